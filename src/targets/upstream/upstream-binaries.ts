/**
 * Where the upstream binaries are: built by upstream/build.sh into a cache folder keyed by
 * the Kubernetes version (outside the repo, so CI can keep it between runs).
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const DEFAULT_UPSTREAM_VERSION = 'v1.33.13';
export const CONTROL_PLANE_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

export function upstreamVersion(): string {
  return process.env['KCK_UPSTREAM_VERSION'] ?? DEFAULT_UPSTREAM_VERSION;
}

export function upstreamBinDir(version = upstreamVersion()): string {
  if (process.env['KCK_UPSTREAM_BIN'] !== undefined) return process.env['KCK_UPSTREAM_BIN'];
  const cache = process.env['KCK_CACHE'] ?? join(homedir(), '.cache', 'kck');
  return join(cache, 'upstream', version, 'bin');
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(() => true, () => false);
}

/** The binaries that are missing from the bin folder (empty when all are there). */
export async function missingUpstreamBinaries(binDir = upstreamBinDir(), components: readonly string[] = CONTROL_PLANE_COMPONENTS): Promise<string[]> {
  const missing: string[] = [];
  for (const c of components) if (!(await executable(join(binDir, c)))) missing.push(c);
  return missing;
}

/** Runs upstream/build.sh (a no-op taking seconds when the cache is full); returns the bin folder. */
export async function buildUpstream(components: readonly string[] = CONTROL_PLANE_COMPONENTS): Promise<string> {
  const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../../upstream/build.sh');
  const { stdout } = await run('bash', [script, ...components], { maxBuffer: 64 * 1024 * 1024 });
  const lines = stdout.trim().split('\n');
  return lines[lines.length - 1] ?? upstreamBinDir();
}

/**
 * etcd for the upstream apiserver: KCK_ETCD_BIN, else Debian's etcd-server (3.4) on PATH, which
 * kube-apiserver v1.33 accepts (it only turns off watch-progress-based consistent reads).
 */
export async function findEtcd(): Promise<string> {
  const candidates = [process.env['KCK_ETCD_BIN'], '/usr/bin/etcd', '/usr/local/bin/etcd'].filter((c): c is string => c !== undefined);
  for (const c of candidates) if (await executable(c)) return c;
  throw new Error('no etcd binary: install Debian etcd-server (apt-get install -y etcd-server) or set KCK_ETCD_BIN');
}
