/**
 * The workload image's UDP helper, kck-udp (kck-udp.c): compiled on this machine the first
 * time the image files are assembled, static so it runs in the FROM-scratch image root under
 * containerd as well as under the reference runtime. The binary is cached under
 * $KCK_CACHE (default ~/.cache/kck) by a hash of the source and the flags, so later image
 * builds only read a file; KCK_UDP_HELPER names a prebuilt binary instead.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UDP_HELPER_SOURCE = fileURLToPath(new URL('./kck-udp.c', import.meta.url));

/** Static (no libraries in the image), small, stripped; warnings are errors so a sloppy edit fails here. */
const FLAGS = ['-static', '-Os', '-s', '-Wall', '-Wextra', '-Werror'];

let built: Buffer | undefined;

/** The kck-udp binary's bytes: built (or taken from the cache) once per process. */
export function udpHelper(): Buffer {
  built ??= readHelper();
  return built;
}

function readHelper(): Buffer {
  const prebuilt = process.env['KCK_UDP_HELPER'];
  if (prebuilt !== undefined && prebuilt !== '') return readFileSync(prebuilt);
  const source = readFileSync(UDP_HELPER_SOURCE);
  const key = createHash('sha256').update(source).update(FLAGS.join(' ')).digest('hex').slice(0, 16);
  const dir = join(process.env['KCK_CACHE'] ?? join(homedir(), '.cache', 'kck'), 'workloads');
  const binary = join(dir, `kck-udp-${key}`);
  if (existsSync(binary)) return readFileSync(binary);
  const cc = findCompiler();
  mkdirSync(dir, { recursive: true });
  // Build beside the final name and rename: parallel workers may build at once, and a reader
  // must never see half a binary.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    execFileSync(cc, [...FLAGS, '-o', partial, UDP_HELPER_SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    rmSync(partial, { force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    const first = stderr.split('\n').find((l) => /error|cannot find/i.test(l)) ?? stderr.split('\n')[0] ?? '';
    throw new Error(`kck-udp: ${cc} could not build ${UDP_HELPER_SOURCE} statically (static libc is in libc6-dev): ${first.trim()}`);
  }
  renameSync(partial, binary);
  return readFileSync(binary);
}

/** KCK_CC, else cc on PATH; one clear line when there is none. */
function findCompiler(): string {
  const named = process.env['KCK_CC'];
  if (named !== undefined && named !== '') return named;
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    const path = join(dir, 'cc');
    try {
      if (statSync(path).isFile()) return path;
    } catch { /* not here */ }
  }
  throw new Error('kck-udp: no C compiler (cc) on PATH to build the workload image\'s UDP helper; install gcc and libc6-dev, or set KCK_CC or KCK_UDP_HELPER');
}
