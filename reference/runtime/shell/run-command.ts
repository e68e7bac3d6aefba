/** Runs a short host command (ip, iptables, sysctl) and fails with its stderr. */
import { execFile } from 'node:child_process';

export function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

export async function tryRun(cmd: string, args: readonly string[]): Promise<boolean> {
  try { await run(cmd, args); return true; } catch { return false; }
}
