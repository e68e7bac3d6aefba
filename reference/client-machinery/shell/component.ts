/**
 * What every reference control-plane program shares: a KubeApi from --kubeconfig (or
 * --master), one log line per notable event on stderr, clean exit on SIGTERM/SIGINT, and
 * optional leader election around the work.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
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
 * Runs `work` while leading (or at once without --leader-elect) until shutdown. Losing the
 * lease ends the process with code 1, as upstream components do, so a supervisor restarts it
 * as a fresh standby and no stale leader keeps acting.
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
  // Upstream uses hostname_uuid; KCK_INSTANCE (set by the reference cluster) names the
  // instance instead, so scenarios can tell which process holds the Lease.
  const identity = `${process.env['KCK_INSTANCE'] ?? hostname()}_${randomBytes(6).toString('hex')}`;
  const elector = new LeaderElector(api, {
    leaseName: flags.string('leader-elect-resource-name') ?? options.leaseName,
    leaseNamespace: flags.string('leader-elect-resource-namespace') ?? 'kube-system',
    identity,
    leaseDurationMs: parseDuration(flags.string('leader-elect-lease-duration') ?? '15s'),
    renewDeadlineMs: parseDuration(flags.string('leader-elect-renew-deadline') ?? '10s'),
    retryPeriodMs: parseDuration(flags.string('leader-elect-retry-period') ?? '2s'),
    log,
  });
  shutdown.addEventListener('abort', () => elector.stop());
  log(`attempting to acquire leader lease kube-system/${options.leaseName} as ${identity}`);
  const outcome = await elector.run(async (leading) => {
    const both = AbortSignal.any([leading, shutdown]);
    await options.work(both);
  });
  if (outcome === 'lost') {
    log('leader election lost, exiting');
    process.exitCode = 1;
  }
}
