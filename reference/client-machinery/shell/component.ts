/**
 * What every reference control-plane program shares: a KubeApi from --kubeconfig (or
 * --master), one log line per notable event on stderr, clean exit on SIGTERM/SIGINT, and
 * optional leader election around the work.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { connectionFromKubeconfig } from '../../../src/clients/kube/connection.ts';
import { KubeClient } from '../../../src/clients/kube/kube-client.ts';
import type { KubeApi } from '../../../src/ports/kube-api.ts';
import { LeaderElector } from './leader-elector.ts';
import { parseDuration, type Flags } from './flags.ts';

export function logger(component: string): (line: string) => void {
  return (line) => process.stderr.write(`${new Date().toISOString()} ${component}: ${line}\n`);
}

export async function apiFromFlags(flags: Flags): Promise<KubeApi & { close?: () => void }> {
  const kubeconfig = flags.string('kubeconfig') ?? flags.string('authentication-kubeconfig') ?? process.env['KUBECONFIG'];
  const master = flags.string('master');
  if (kubeconfig !== undefined && kubeconfig !== '') {
    const connection = await connectionFromKubeconfig(kubeconfig);
    if (master !== undefined) connection.server = master.replace(/\/$/, '');
    return new KubeClient(connection);
  }
  if (master !== undefined) return new KubeClient({ server: master.replace(/\/$/, '') });
  throw new Error('--kubeconfig or --master is required');
}

/** Resolves when `signal` aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** A signal aborted on SIGTERM/SIGINT. */
export function shutdownSignal(log: (line: string) => void): AbortSignal {
  const controller = new AbortController();
  const onSignal = (sig: string): void => {
    log(`received ${sig}, shutting down`);
    controller.abort();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  return controller.signal;
}

/**
 * Runs `work` while leading (or at once without --leader-elect) until shutdown.
 *
 * Upstream components exit when they lose the lease and count on a supervisor (the kubelet
 * for static Pods, systemd) to start them again as a fresh standby. The reference cluster's
 * processes have no supervisor, so an apiserver outage longer than the renew deadline used to
 * leave a cluster with no scheduler and no controllers for good (S3.4). Here the process
 * does that restart itself: a lost (or ended) term stops `work` and waits for it to finish,
 * so no stale leader keeps acting, then campaigns again as a new candidate with a new
 * identity (as a restarted process would have), until shutdown.
 */
export async function runComponent(options: {
  name: string;
  leaseName: string;
  flags: Flags;
  api: KubeApi;
  log: (line: string) => void;
  work: (signal: AbortSignal) => Promise<void>;
}): Promise<void> {
  const { flags, api, log } = options;
  const shutdown = shutdownSignal(log);
  const leaderElect = flags.bool('leader-elect', true);
  if (!leaderElect) {
    await options.work(shutdown);
    return;
  }
  const leaseName = flags.string('leader-elect-resource-name') ?? options.leaseName;
  const leaseNamespace = flags.string('leader-elect-resource-namespace') ?? 'kube-system';
  const timing = {
    leaseDurationMs: parseDuration(flags.string('leader-elect-lease-duration') ?? '15s'),
    renewDeadlineMs: parseDuration(flags.string('leader-elect-renew-deadline') ?? '10s'),
    retryPeriodMs: parseDuration(flags.string('leader-elect-retry-period') ?? '2s'),
  };
  await campaignForever({
    shutdown,
    log,
    lease: `${leaseNamespace}/${leaseName}`,
    // Upstream uses hostname_uuid; KCK_INSTANCE (set by the reference cluster) names the
    // instance instead, so scenarios can tell which process holds the Lease.
    identity: () => `${process.env['KCK_INSTANCE'] ?? hostname()}_${randomBytes(6).toString('hex')}`,
    elector: (identity) => new LeaderElector(api, { leaseName, leaseNamespace, identity, ...timing, log }),
    betweenTermsMs: timing.retryPeriodMs,
    work: options.work,
  });
}

/**
 * The campaign loop of runComponent, apart so tests can drive it: one elector per term, each
 * with a fresh identity; `work` gets a signal aborted when the term ends or on shutdown.
 * Resolves once `shutdown` aborts and the current term has ended.
 */
export async function campaignForever(options: {
  shutdown: AbortSignal;
  log: (line: string) => void;
  /** namespace/name, for the log. */
  lease: string;
  identity: () => string;
  elector: (identity: string) => Pick<LeaderElector, 'run' | 'stop'>;
  /** Pause before campaigning again, so a term that ends at once does not spin. */
  betweenTermsMs: number;
  work: (signal: AbortSignal) => Promise<void>;
}): Promise<void> {
  const { shutdown, log } = options;
  let current: Pick<LeaderElector, 'stop'> | undefined;
  const onShutdown = (): void => current?.stop();
  shutdown.addEventListener('abort', onShutdown);
  try {
    while (!shutdown.aborted) {
      const identity = options.identity();
      const elector = options.elector(identity);
      current = elector;
      log(`attempting to acquire leader lease ${options.lease} as ${identity}`);
      const outcome = await elector.run(async (leading) => {
        await options.work(AbortSignal.any([leading, shutdown]));
      });
      if (outcome === 'stopped' || shutdown.aborted) break;
      log(`${outcome === 'lost' ? 'leader election lost' : 'work ended while leading'}; every worker stopped, campaigning again`);
      await delay(options.betweenTermsMs, undefined, { signal: shutdown }).catch(() => undefined);
    }
  } finally {
    shutdown.removeEventListener('abort', onShutdown);
  }
}
