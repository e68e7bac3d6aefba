/**
 * One child process of the control plane: output goes to a log file in the state folder
 * (so a failure can be explained by its tail), and stop() is SIGTERM, then SIGKILL once a
 * deadline passes, so a hung component never outlives the test that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Set once the process has exited: its code, or the signal that ended it. */
  exitStatus(): string | undefined;
  /** Resolves once the process has exited, however it ended. */
  readonly exited: Promise<void>;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): Promise<string>;
  /**
   * SIGTERM, then SIGKILL after deadlineMs. Safe to call again, and after kill(): it always
   * settles in bounded time, and rejects only if the process outlived SIGKILL.
   */
  stop(deadlineMs?: number): Promise<void>;
  /** SIGKILL at once: a crash, with no chance to flush or clean up. */
  kill(): Promise<void>;
}

/** How long a process may take to be reaped after SIGKILL before stop() gives up on it. */
const SIGKILL_GRACE_MS = 5_000;

export async function startManagedProcess(name: string, command: string, args: readonly string[], logPath: string, env?: NodeJS.ProcessEnv): Promise<ManagedProcess> {
  const log = createWriteStream(logPath, { flags: 'a' });
  await once(log, 'open');
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
      resolve();
    });
  });
  try {
    // events.once rejects when 'error' comes first (e.g. ENOENT for a missing binary).
    await once(child, 'spawn');
  } catch (error) {
    log.end();
    throw new Error(`${name}: cannot start ${command}: ${(error as Error).message}`);
  }
  const pid = child.pid ?? -1;
  // If this Node process dies without running stop() (SIGKILL, a test runner's timeout), the
  // component would outlive it and hold ports and CPU on a shared machine: a tiny watchdog
  // shell kills it once our PID is gone. It polls every 2 s and is ended by stop().
  const watchdog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 2; done; kill -KILL ${pid} 2>/dev/null`], { stdio: 'ignore', detached: true });
  watchdog.on('error', () => undefined);
  watchdog.unref();

  // Waits for the exit for at most `ms`; true once the process is gone.
  const exitedWithin = async (ms: number): Promise<boolean> => {
    if (status !== undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
    const gone = await Promise.race([exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return gone;
  };
  const sigkill = async (): Promise<void> => {
    child.kill('SIGKILL');
    // SIGKILL cannot be ignored, so only a process stuck in the kernel (uninterruptible
    // sleep) outlives this bound; a stop reports it rather than waiting forever.
    if (!(await exitedWithin(SIGKILL_GRACE_MS))) throw new Error(`${name} (pid ${pid}) did not exit ${SIGKILL_GRACE_MS} ms after SIGKILL`);
  };

  // Closing the pipes, the watchdog and the log happens once. It must not be repeated: a
  // second log.end() emits no second 'finish', so waiting for one would hang forever, which
  // is what a stop() after kill() (a killed apiserver torn down with its cluster, S4.4) did.
  let released: Promise<void> | undefined;
  const release = (): Promise<void> => (released ??= (async () => {
    // Streams may still hold buffered output after exit; flush it before closing the log.
    // A grandchild holding the pipes open must not hang stop(): give them two seconds.
    for (const s of [child.stdout, child.stderr]) {
      if (s === null || s.readableEnded || s.destroyed) continue;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([once(s, 'close').catch(() => undefined), new Promise((r) => { timer = setTimeout(r, 2_000); })]);
      clearTimeout(timer);
      s.destroy();
    }
    if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
    // Bounded too: a log on a full or vanished disk must not hold up a stop either.
    let timer: NodeJS.Timeout | undefined;
    const flushed = finished(log).catch(() => undefined);
    log.end();
    await Promise.race([flushed, new Promise((r) => { timer = setTimeout(r, 2_000); })]);
    clearTimeout(timer);
  })());

  // stop() and kill() may each be called any number of times, in any order, even at once
  // (a fault kills a component, then its cluster stops it): every call finishes in bounded
  // time, SIGTERM deadline plus SIGKILL_GRACE_MS plus the bounded release above.
  const handle: ManagedProcess = {
    name,
    pid,
    exited,
    logPath,
    exitStatus: () => status,
    async logTail(lines = 30) {
      const text = await readFile(logPath, 'utf8').catch(() => '');
      return text.split('\n').slice(-lines - 1).join('\n');
    },
    async kill() {
      try {
        if (status === undefined) await sigkill();
      } finally {
        await release();
      }
    },
    async stop(deadlineMs = 15_000) {
      try {
        if (status === undefined) {
          child.kill('SIGTERM');
          if (!(await exitedWithin(deadlineMs))) await sigkill();
        }
      } finally {
        await release();
      }
    },
  };
  return handle;
}
