/** A child process whose output lines can be awaited with a deadline; killed by pid on stop. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export class Child {
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  private exited = false;
  readonly process: ChildProcessWithoutNullStreams;

  constructor(command: string, args: readonly string[], private readonly echo = process.env['KCK_DEBUG'] !== undefined) {
    this.process = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    for (const stream of [this.process.stdout, this.process.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          this.lines.push(line);
          if (this.echo) process.stderr.write(`[${args[args.length - 1] ?? command}] ${line}\n`);
          for (const w of this.waiters.splice(0)) w();
        }
      });
    }
    this.process.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Waits for a line matching `pattern` (searching from line index `from`) and returns it. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => pattern.test(l));
      if (hit !== undefined) return hit;
      if (this.exited) throw new Error(`process exited before printing ${pattern}:\n${this.lines.slice(-20).join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}:\n${this.lines.slice(-20).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  write(line: string): void {
    this.process.stdin.write(line + '\n');
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  }
}
