/**
 * Last-resort teardown. Every container and network the kit creates carries this process's
 * session label; clusters remove their own objects in stop(), and if the process is
 * interrupted (SIGINT/SIGTERM) or exits without stop(), the handlers here remove whatever
 * still carries the label, synchronously, before the process goes. A process that dies
 * without running handlers (SIGKILL, a cucumber worker whose coordinator was interrupted) is
 * covered by a watchdog shell that outlives it and removes the session's objects. No Ryuk:
 * it is a pulled image.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const SESSION_LABEL = 'kck.io/session';
export const SESSION = `${process.pid}-${randomBytes(4).toString('hex')}`;

let live = 0;
let installed = false;

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
}

/** A detached shell that waits for this process to end, then removes the session's objects. */
function startWatchdog(): void {
  const filter = `--filter label=${SESSION_LABEL}=${SESSION}`;
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done`,
    `c=$(docker ps -aq ${filter}); [ -z "$c" ] || docker rm -f -v $c`,
    `n=$(docker network ls -q ${filter}); [ -z "$n" ] || docker network rm $n`,
  ].join('; ');
  try {
    spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
  } catch {
    // No shell: the signal and exit handlers still apply.
  }
}

/** Marks the start of something that owns docker objects; call the result when it is gone. */
export function holdSession(): () => void {
  if (!installed) {
    installed = true;
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('exit', onExit);
    startWatchdog();
  }
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
