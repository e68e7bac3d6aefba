/**
 * kube-proxy (reference): watches Services and EndpointSlices and programs one data plane.
 *
 *   kck proxy --kubeconfig FILE --proxy-mode userspace|iptables|ipvs|nftables [--ipvs-scheduler rr]
 *             [--hostname-override NODE] [--bind-address IP] [--metrics-bind-address IP:PORT]
 *             [--nodeport-addresses CIDR,...] [--cluster-cidr CIDR] [--healthz-bind-address IP:PORT]
 *             [--iptables-sync-period 30s] [--cleanup]
 *
 * Kit extra: --objects-from-stdin reads desired state instead of watching an apiserver,
 * one JSON line per snapshot: {"generation": 3, "services": [...], "endpointSlices": [...]},
 * and logs "synced ... generation=3" once it is in force (data-plane tests use this).
 * /proxyMode on the metrics address names the mode; for ipvs on a kernel without IP_VS it
 * says "ipvs (userspace data plane: kernel has no IP_VS)".
 */
import { hostname, networkInterfaces } from 'node:os';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { apiFromFlags, logger, shutdownSignal, untilAborted } from '../client-machinery/shell/component.ts';
import { Flags, parseDuration } from '../client-machinery/shell/flags.ts';
import { Informer } from '../client-machinery/shell/informer.ts';
import type { EndpointSlice, Service } from './core/api-types.ts';
import { inCidr } from './core/cidr.ts';
import { isIpvsScheduler } from './core/ipvs-table.ts';
import type { DataPlane, Log } from './shell/data-plane.ts';
import { IptablesDataPlane } from './shell/iptables-data-plane.ts';
import { IPVS_USERSPACE_MODE, kernelHasIpvs } from './shell/ipvs-kernel.ts';
import { IpvsKernelDataPlane } from './shell/ipvs-kernel-data-plane.ts';
import { startMetricsServer } from './shell/metrics-server.ts';
import { NftablesDataPlane } from './shell/nftables-data-plane.ts';
import { Proxier } from './shell/proxier.ts';
import { RelayDataPlane } from './shell/relay-data-plane.ts';
import { runCommand } from './shell/run-command.ts';
import { VipAddresses } from './shell/vip-addresses.ts';

export const PROXY_MODES = ['userspace', 'iptables', 'ipvs', 'nftables'] as const;

/** This node's IPv4 addresses (not loopback), optionally only those inside `cidrs`. */
function nodeAddresses(cidrs: readonly string[]): string[] {
  const all = Object.values(networkInterfaces())
    .flat()
    .flatMap((a) => (a !== undefined && a.family === 'IPv4' && !a.internal ? [a.address] : []));
  return cidrs.length === 0 ? all : all.filter((ip) => cidrs.some((c) => inCidr(ip, c)));
}

async function makeDataPlane(flags: Flags, log: Log): Promise<DataPlane> {
  const mode = flags.string('proxy-mode') ?? 'iptables';
  const nodeName = flags.string('hostname-override') ?? hostname();
  const cidrs = (flags.string('nodeport-addresses') ?? '').split(',').filter((c) => c !== '');
  const scheduler = flags.string('ipvs-scheduler') ?? 'rr';
  if (!isIpvsScheduler(scheduler)) throw new Error(`--ipvs-scheduler ${scheduler}: not one of rr, wrr, lc, wlc, sh, dh`);
  const root = process.getuid?.() === 0;
  const relayAddresses = cidrs.length === 0 ? ['0.0.0.0'] : nodeAddresses(cidrs);
  const relay = (label: string, sched: typeof scheduler): RelayDataPlane =>
    new RelayDataPlane({ mode: label, nodeName, nodePortAddresses: relayAddresses, scheduler: sched, vips: root ? new VipAddresses(runCommand, log) : undefined, log, now: () => Date.now() });
  switch (mode) {
    case 'userspace':
      // Upstream's userspace proxier balanced round-robin, with ClientIP affinity.
      return relay('userspace', 'rr');
    case 'iptables':
      return new IptablesDataPlane({ nodeName, clusterCIDR: flags.string('cluster-cidr'), nodePortAddresses: cidrs }, runCommand, log);
    case 'ipvs':
      if (await kernelHasIpvs()) {
        const bind = flags.string('bind-address');
        const addresses = bind !== undefined && bind !== '0.0.0.0' ? [bind] : nodeAddresses(cidrs);
        return new IpvsKernelDataPlane({ nodeName, nodeAddresses: addresses, scheduler }, new VipAddresses(runCommand, log), runCommand);
      }
      log('kernel has no IP_VS (/proc/net/ip_vs missing): using the user-space IPVS data plane');
      return relay(IPVS_USERSPACE_MODE, scheduler);
    case 'nftables':
      return new NftablesDataPlane({ nodeName, clusterCIDR: flags.string('cluster-cidr') }, runCommand);
    default:
      throw new Error(`--proxy-mode ${mode}: not one of ${PROXY_MODES.join(', ')}`);
  }
}

function splitHostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(text.slice(i + 1)) };
}

export async function main(argv: string[]): Promise<void> {
  const flags = new Flags(argv);
  const log = logger('kube-proxy');
  const plane = await makeDataPlane(flags, log);
  if (flags.bool('cleanup', false)) {
    if (plane instanceof IptablesDataPlane || plane instanceof NftablesDataPlane) await plane.cleanup();
    log('cleanup done');
    return;
  }
  const shutdown = shutdownSignal(log);
  const proxier = new Proxier(plane, log, { fullSyncPeriodMs: parseDuration(flags.string('iptables-sync-period') ?? '30s'), retryMs: 1000 });
  const { host, port } = splitHostPort(flags.string('metrics-bind-address') ?? '127.0.0.1:10249');
  const metrics = await startMetricsServer(host, port, { mode: plane.mode, lastSynced: () => proxier.lastSynced, metrics: () => proxier.metrics() });
  log(`proxy mode ${plane.mode}; metrics and /proxyMode on ${metrics.url}`);
  // Upstream serves /healthz on its own address too (default 0.0.0.0:10256); only when asked here,
  // so several proxies can share one network namespace in tests.
  const healthzFlag = flags.string('healthz-bind-address');
  const healthz = healthzFlag !== undefined && healthzFlag !== '' ? await startMetricsServer(splitHostPort(healthzFlag).host, splitHostPort(healthzFlag).port, { mode: plane.mode, lastSynced: () => proxier.lastSynced, metrics: () => proxier.metrics() }) : undefined;
  if (healthz !== undefined) log(`healthz on ${healthz.url}/healthz`);
  proxier.start();
  const stops: Array<() => void> = [];
  if (flags.bool('objects-from-stdin', false)) {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      try {
        const snapshot = JSON.parse(line) as { generation?: number; services?: Service[]; endpointSlices?: EndpointSlice[] };
        proxier.setState(snapshot.services ?? [], snapshot.endpointSlices ?? [], String(snapshot.generation ?? ''));
      } catch (error) {
        log(`ignoring malformed snapshot: ${(error as Error).message}`);
      }
    });
    stops.push(() => lines.close());
  } else {
    const api = await apiFromFlags(flags);
    const services = new Informer<Service>(api, { kind: { apiVersion: 'v1', kind: 'Service' }, log });
    const slices = new Informer<EndpointSlice>(api, { kind: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }, log });
    const changed = (): void => proxier.setState(services.list(), slices.list());
    for (const informer of [services, slices] as const) {
      (informer as Informer<Service | EndpointSlice>).addHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    }
    await Promise.all([services.start(), slices.start()]);
    changed();
    stops.push(() => services.stop(), () => slices.stop());
  }
  await untilAborted(shutdown);
  for (const stop of stops) stop();
  await proxier.stop();
  await metrics.close();
  await healthz?.close();
  log('stopped');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`kube-proxy: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
