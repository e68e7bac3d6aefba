/**
 * The upstream kube-scheduler and kube-controller-manager on their own, pointed at any
 * apiserver through a kubeconfig: the mixed configuration "reference apiserver + upstream
 * controllers" of issue 9. They speak JSON by default here (upstream's default is protobuf,
 * which a JSON-only apiserver cannot read; see upstream/observed-requests.md), and they do
 * not delegate authentication unless asked, so an apiserver without TokenReview and
 * SubjectAccessReview can still host them.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerManagerFlags, schedulerFlags } from './control-plane-flags.ts';
import { freePorts } from '../../process/free-port.ts';
import { startManagedProcess, type ManagedProcess } from '../../process/managed-process.ts';
import { missingUpstreamBinaries, upstreamBinDir } from './upstream-binaries.ts';
import { waitFor200 } from './wait-for-https.ts';

export type UpstreamComponentName = 'kube-scheduler' | 'kube-controller-manager';

export interface UpstreamComponentsOptions {
  /** The identity each component uses (an admin kubeconfig works for a test apiserver). */
  kubeconfigPath: string;
  /** Per-component kubeconfigs, to run each under its own user (system:kube-scheduler ...). */
  kubeconfigs?: Partial<Record<UpstreamComponentName, string>>;
  components?: readonly UpstreamComponentName[];
  /** Default application/json. */
  contentType?: string;
  delegatedAuth?: boolean;
  leaderElect?: boolean;
  /** Controller-manager: TokenRequest-based per-controller credentials (default false). */
  useServiceAccountCredentials?: boolean;
  serviceAccountKeyPath?: string;
  rootCaPath?: string;
  clusterSigningCertPath?: string;
  clusterSigningKeyPath?: string;
  serviceClusterIpRange?: string;
  clusterCidr?: string;
  /** Controller-manager --controllers (default every default controller plus bootstrap ones). */
  controllers?: string;
  verbosity?: number;
  binDir?: string;
  stateDir?: string;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface StartedUpstreamComponents {
  readonly stateDir: string;
  readonly processes: ReadonlyMap<UpstreamComponentName, { pid: number; logPath: string }>;
  /** Stops one component (e.g. to fail over), or all when none is named. */
  stop(component?: UpstreamComponentName): Promise<void>;
}

export async function startUpstreamComponents(opts: UpstreamComponentsOptions): Promise<StartedUpstreamComponents> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[upstream] ${line}\n`));
  const components = opts.components ?? ['kube-scheduler', 'kube-controller-manager'];
  const binDir = opts.binDir ?? upstreamBinDir();
  const missing = await missingUpstreamBinaries(binDir, components);
  if (missing.length > 0) throw new Error(`upstream binaries missing in ${binDir}: ${missing.join(', ')} (run npm run upstream:build)`);
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'kck-upstream-components-')));
  await mkdir(stateDir, { recursive: true });
  const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
  const running = new Map<UpstreamComponentName, ManagedProcess>();

  const stop = async (component?: UpstreamComponentName): Promise<void> => {
    const names = component !== undefined ? [component] : [...running.keys()].reverse();
    for (const name of names) {
      const p = running.get(name);
      if (p === undefined) continue;
      await p.stop();
      running.delete(name);
      log(`${name} stopped (${p.exitStatus() ?? 'unknown'})`);
    }
    if (running.size === 0 && opts.stateDir === undefined) await rm(stateDir, { recursive: true, force: true });
  };

  try {
    const ports = await freePorts(components.length);
    for (const [i, name] of components.entries()) {
      const common = {
        kubeconfig: opts.kubeconfigs?.[name] ?? opts.kubeconfigPath,
        delegatedAuth: opts.delegatedAuth ?? false,
        port: ports[i] ?? 0,
        certDir: join(stateDir, `${name}-certs`),
        leaderElect: opts.leaderElect ?? true,
        contentType: opts.contentType ?? 'application/json',
        ...(opts.verbosity !== undefined ? { verbosity: opts.verbosity } : {}),
      };
      const args = name === 'kube-scheduler'
        ? schedulerFlags(common)
        : controllerManagerFlags({
          ...common,
          useServiceAccountCredentials: opts.useServiceAccountCredentials ?? false,
          serviceClusterIpRange: opts.serviceClusterIpRange ?? '10.0.0.0/24',
          clusterCidr: opts.clusterCidr ?? '10.244.0.0/16',
          ...(opts.serviceAccountKeyPath !== undefined ? { serviceAccountKey: opts.serviceAccountKeyPath } : {}),
          ...(opts.rootCaPath !== undefined ? { rootCa: opts.rootCaPath } : {}),
          ...(opts.clusterSigningCertPath !== undefined ? { signingCert: opts.clusterSigningCertPath } : {}),
          ...(opts.clusterSigningKeyPath !== undefined ? { signingKey: opts.clusterSigningKeyPath } : {}),
          ...(opts.controllers !== undefined ? { controllers: opts.controllers } : {}),
        });
      const p = await startManagedProcess(name, join(binDir, name), args, join(stateDir, `${name}.log`));
      running.set(name, p);
      log(`${name} started (pid ${p.pid}, log ${p.logPath})`);
      const url = `https://127.0.0.1:${common.port}/healthz`;
      try {
        await waitFor200(url, { insecure: true }, Math.max(1_000, deadline - Date.now()), () => {
          const s = p.exitStatus();
          return s === undefined ? undefined : `${name} exited (${s})`;
        });
      } catch (error) {
        throw new Error(`${name} did not get ready: ${(error as Error).message}\n--- ${p.logPath} (tail) ---\n${await p.logTail()}`);
      }
      log(`${name} ready (${url})`);
    }
    return {
      stateDir,
      processes: new Map([...running].map(([n, p]) => [n, { pid: p.pid, logPath: p.logPath }])),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
