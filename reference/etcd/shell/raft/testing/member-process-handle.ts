import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { MemberProcessConfig } from './raft-member-process.ts';

const SCRIPT = fileURLToPath(new URL('./raft-member-process.ts', import.meta.url));

/** Parent side of raft-member-process.ts: send commands, collect answers, SIGKILL it. */
export class MemberProcessHandle {
  readonly acked = new Map<string, number>();
  readonly failed = new Set<string>();
  private lines: string[] = [];
  private waiters: Array<() => void> = [];
  exited = false;
  private killing = false;
  sent = 0;

  private constructor(readonly child: ChildProcess) {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      const [kind, value = '', rest = ''] = line.split(' ');
      if (kind === 'ok') this.acked.set(value, Number(rest));
      else if (kind === 'err') this.failed.add(value);
      else this.lines.push(line);
      for (const w of this.waiters.splice(0)) w();
    });
    // A write racing with a kill gets EPIPE: that put was simply never sent.
    child.stdin?.on('error', () => undefined);
    child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async start(config: MemberProcessConfig): Promise<MemberProcessHandle> {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'ignore'] });
    const h = new MemberProcessHandle(child);
    await h.next('ready', 30000);
    return h;
  }

  put(value: string): void {
    if (this.exited || this.killing) return;
    this.sent++;
    this.child.stdin?.write(`put ${value}\n`);
  }

  async state(): Promise<string[]> {
    this.child.stdin?.write('dump\n');
    return JSON.parse((await this.next('state', 20000)).slice('state '.length)) as string[];
  }

  async status(): Promise<{ role: string; leader: string | null; applied: string }> {
    this.child.stdin?.write('status\n');
    return JSON.parse((await this.next('status', 20000)).slice('status '.length)) as { role: string; leader: string | null; applied: string };
  }

  private async next(prefix: string, deadlineMs: number): Promise<string> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const at = this.lines.findIndex((l) => l.startsWith(`${prefix} `));
      if (at >= 0) return this.lines.splice(at, 1)[0] ?? '';
      if (this.exited) throw new Error(`member process exited while waiting for ${prefix}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${prefix}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.killing = true;
    this.child.kill(signal);
    await gone;
  }
}
