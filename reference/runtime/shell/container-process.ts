/**
 * One container's OS process: started detached in its own process group (so stop signals
 * reach the whole tree a shell workload forks), stdout and stderr written to the CRI log
 * file line by line, exit code recorded. Stop sends SIGTERM, then SIGKILL when the timeout
 * passes (timeout 0: SIGKILL at once, as CRI says).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import { criLogLine, splitLines } from '../core/cri-log.ts';
import type { LogStream } from '../core/cri-log.ts';

export interface ProcessExit { code: number | null; signal: number | null }

export class ContainerProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<ProcessExit> | undefined;
  exited: ProcessExit | undefined;

  start(argv: readonly string[], env: Record<string, string>, logPath: string | undefined): Promise<void> {
    const [cmd, ...args] = argv as [string, ...string[]];
    if (logPath) mkdirSync(dirname(logPath), { recursive: true });
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env, cwd: '/' });
    this.child = child;
    for (const stream of ['stdout', 'stderr'] as const) {
      let pending = '';
      const write = (content: string, partial: boolean): void => {
        if (!logPath) return;
        try { appendFileSync(logPath, criLogLine(new Date().toISOString().replace('Z', '000000Z'), stream as LogStream, content, partial)); } catch { /* log folder removed */ }
      };
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        const { lines, rest } = splitLines(pending, chunk);
        pending = rest;
        for (const line of lines) write(line, false);
      });
      child[stream]?.on('end', () => { if (pending) write(pending, true); pending = ''; });
    }
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal: signal ? (constants.signals[signal] ?? 9) : null };
        resolve(this.exited);
      });
    });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => reject(err));
    });
  }

  get pid(): number | undefined { return this.child?.pid; }

  wait(): Promise<ProcessExit> {
    return this.exitPromise ?? Promise.resolve({ code: null, signal: null });
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.exited) return;
    try { process.kill(-pid, sig); } catch { try { process.kill(pid, sig); } catch { /* gone */ } }
  }

  async stop(timeoutSeconds: number): Promise<ProcessExit> {
    if (this.exited) return this.exited;
    if (timeoutSeconds > 0) {
      this.signal('SIGTERM');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutSeconds * 1000).unref());
      if ((await Promise.race([this.wait(), timer])) !== 'timeout') return this.wait();
    }
    this.signal('SIGKILL');
    return this.wait();
  }

  /** After the main process exits, stray children of its group (e.g. a backgrounded sleep) die too. */
  reap(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try { process.kill(-pid, 'SIGKILL'); } catch { /* none left */ }
  }
}
