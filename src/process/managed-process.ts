/**
 * One child process of the control plane: output goes to a log file in the state folder
 * (so a failure can be explained by its tail), and stop() is SIGTERM, then SIGKILL once a
 * deadline passes, so a hung component never outlives the test that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

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
  stop(deadlineMs?: number): Promise<void>;
  /** SIGKILL at once: a crash, with no chance to flush or clean up. */
  kill(): Promise<void>;
}

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

  let closing: Promise<void> | undefined;
  const closeStreams = async (): Promise<void> => {
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
    log.end();
    await once(log, 'finish').catch(() => undefined);
  };

  const handle: ManagedProcess = {
    name,
    pid,
    logPath,
    exitStatus: () => status,
    exited,
    async logTail(lines = 30) {
      const text = await readFile(logPath, 'utf8').catch(() => '');
      return text.split('\n').slice(-lines - 1).join('\n');
    },
    async kill() {
      if (status === undefined) {
        child.kill('SIGKILL');
        await exited;
      }
      await handle.stop();
    },
    async stop(deadlineMs = 15_000) {
      if (status === undefined) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), deadlineMs); });
        const gone = await Promise.race([exited.then(() => false), timedOut]);
        clearTimeout(timer);
        if (gone && status === undefined) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      // Once only: kill() ends in stop(), and whoever owns the process may stop it again
      // later; a second once(log, 'finish') on a finished stream would wait forever.
      closing ??= closeStreams();
      await closing;
    },
  };
  return handle;
}
