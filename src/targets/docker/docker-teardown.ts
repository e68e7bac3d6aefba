/**
 * Last-resort teardown. Every container and network the kit creates carries this process's
 * session label, and every temporary folder of a cluster lives under the session's folder;
 * clusters remove their own objects in stop(), and if the process is interrupted
 * (SIGINT/SIGTERM) or exits without stop(), the handlers here remove whatever still carries
 * the label, and the session's folder, synchronously, before the process goes. A process that
 * dies without running handlers (SIGKILL, a cucumber worker whose coordinator was interrupted)
 * is covered by a watchdog shell that outlives it and does the same. No Ryuk: it is a pulled
 * image.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SESSION_LABEL = 'kck.io/session';
export const SESSION = `${process.pid}-${randomBytes(4).toString('hex')}`;
/** Holds this session's temporary folders (state dirs bind-mounted into containers, PKI). */
export const SESSION_DIR = join(tmpdir(), `kck-docker-${SESSION}`);

let live = 0;
let installed = false;

function removeSessionDir(): void {
  try {
    rmSync(SESSION_DIR, { recursive: true, force: true });
  } catch {
    // Best effort on the way out.
  }
}

function removeSessionObjects(): void {
  const run = (args: string[]): string => {
    try {
      return execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return '';
    }
  };
  const filter = ['--filter', `label=${SESSION_LABEL}=${SESSION}`];
  const containers = run(['ps', '-aq', ...filter]).split('\n').filter((s) => s !== '');
  if (containers.length > 0) run(['rm', '-f', '-v', ...containers]);
  const networks = run(['network', 'ls', '-q', ...filter]).split('\n').filter((s) => s !== '');
  if (networks.length > 0) run(['network', 'rm', ...networks]);
  removeSessionDir();
}

function onSignal(signal: NodeJS.Signals): void {
  if (live > 0) {
    process.stderr.write(`kck: ${signal}: removing this run's containers and networks\n`);
    removeSessionObjects();
  }
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

function onExit(): void {
  if (live > 0) removeSessionObjects();
  else removeSessionDir();
}

/** A detached shell that waits for this process to end, then removes the session's objects. */
function startWatchdog(): void {
  const filter = `--filter label=${SESSION_LABEL}=${SESSION}`;
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done`,
    `c=$(docker ps -aq ${filter}); [ -z "$c" ] || docker rm -f -v $c`,
    `n=$(docker network ls -q ${filter}); [ -z "$n" ] || docker network rm $n`,
    `rm -rf '${SESSION_DIR}'`,
  ].join('; ');
  try {
    spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
  } catch {
    // No shell: the signal and exit handlers still apply.
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  startWatchdog();
}

/** A new temporary folder under the session's folder (readable by the containers' root). */
export async function sessionTempDir(prefix: string): Promise<string> {
  install();
  mkdirSync(SESSION_DIR, { recursive: true, mode: 0o755 });
  return mkdtemp(join(SESSION_DIR, prefix));
}

/** Marks the start of something that owns docker objects; call the result when it is gone. */
export function holdSession(): () => void {
  install();
  live++;
  let released = false;
  return () => {
    if (!released) {
      released = true;
      live--;
    }
  };
}

/** Labels that tie an object to this process's session (for the handlers above). */
export function sessionLabels(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { [SESSION_LABEL]: SESSION, ...extra };
}
