/** Runs a short host command (ip, iptables, sysctl) and fails with its stderr. */
import { execFile, spawn } from 'node:child_process';

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

/** Runs `ip [options] -batch -` with one command per line; fails on the first failing line. */
export function runBatch(options: readonly string[], lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', [...options, '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => { stderr += c; });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ip ${options.join(' ')} -batch: ${stderr.trim() || `exit ${code}`}`))));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}
