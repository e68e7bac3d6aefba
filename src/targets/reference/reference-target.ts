/**
 * The reference target: the kit's own cluster, every component a process on loopback,
 * started by the kit. Capabilities grow as reference components are built; the rest are
 * pending and their scenarios are reported as "not implemented yet".
 */
import { join } from 'node:path';
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import { CAPABILITIES } from '../../ports/target.ts';
import { which } from '../which.ts';
import { criRuntimeFactory } from '../cri/cri-runtime-factory.ts';
import { etcdClusterFactory } from '../etcd/etcd-cluster-factories.ts';
import { ReferenceCluster } from './reference-cluster.ts';
import { ClientPodNetwork } from '../network/client-pod-network.ts';
import { WORKLOAD_IMAGE } from '../../../reference/workloads/catalogue.ts';
import { folderLogs } from '../component-logs.ts';
import { ReferenceFaults } from './reference-faults.ts';
import { ReferenceTopology } from './reference-topology.ts';

/** What the reference offers today. */
const BUILT: Capability[] = [
  'kube-api', 'scheduler', 'controller-manager', 'cloud-provider', 'etcd-cluster', 'cri', 'faults', 'component-config', 'authn',
  'nodes', 'static-pods', 'runtime-classes', 'kube-proxy', 'cluster-network',
  // Offered in clusters shaped for the scenario that needs them (see hooks.ts).
  'apiserver-replicas', 'ha-control-plane', 'cloud-provider-faults', 'no-cloud-provider',
  // One instance killed behind the load balancer, the cluster torn down after (S4.4).
  'apiserver-failover',
  // Every component resumes once all apiservers come back (S3.4).
  'apiserver-outage-recovery',
];

/** Why a capability is not built yet (all else of the reference is pending by default). */
const PENDING_REASON: Partial<Record<Capability, string>> = {
};

const NODE_CAPABILITIES: readonly Capability[] = ['nodes', 'static-pods', 'runtime-classes', 'kube-proxy', 'cluster-network', 'cloud-provider', 'cloud-provider-faults'];

const NEVER: Partial<Record<Capability, string>> = {
  kubectl: 'no kubectl binary on PATH',
};

export function referenceTarget(env: NodeJS.ProcessEnv): Target {
  const capabilities = new Set<Capability>(BUILT);
  // One proxy mode per run (KCK_PROXY_MODE); the kernel modes need root (node namespaces).
  const root = process.getuid?.() === 0;
  const proxyMode = env['KCK_PROXY_MODE'] ?? (root ? 'iptables' : 'userspace');
  capabilities.add(`proxy-mode-${proxyMode}` as Capability);
  if (capabilities.has('kube-api') && which('kubectl', env['PATH']) !== undefined) capabilities.add('kubectl');
  const pending = new Map<Capability, string>();
  for (const c of CAPABILITIES) {
    if (capabilities.has(c) || (c === 'kubectl' && which('kubectl', env['PATH']) === undefined)) continue;
    const otherMode = c.startsWith('proxy-mode-') ? `the kube-proxies of this run use ${proxyMode} mode; run again with KCK_PROXY_MODE=${c.slice('proxy-mode-'.length)}` : undefined;
    pending.set(c, otherMode ?? PENDING_REASON[c] ?? 'this part of the reference cluster is not built yet');
  }
  return {
    name: 'reference',
    description: `reference cluster: every component a process, ${root ? 'nodes in network namespaces' : 'nodes on loopback'}, kube-proxy in ${proxyMode} mode, ${env['KCK_ETCD'] === 'external' ? "Debian's etcd" : 'reference etcd'} under the API server`,
    capabilities,
    pending,
    privateClusters: true,
    etcdClusters: etcdClusterFactory(env['KCK_ETCD'] ?? 'reference'),
    cri: criRuntimeFactory(env['KCK_CRI'] ?? 'reference'),
    unavailableReason: (c) => NEVER[c] ?? `the reference does not offer ${c}`,
    async start(needs: readonly Capability[] = []): Promise<StartedTarget> {
      const cluster = await ReferenceCluster.start({
        proxyMode,
        apiservers: needs.includes('apiserver-replicas') ? 2 : 1,
        controlPlanes: needs.includes('ha-control-plane') ? 3 : 1,
        cloudProvider: !needs.includes('no-cloud-provider'),
        // Scenarios that only need the control plane get no nodes: they start in seconds.
        nodes: needs.length === 0 || needs.some((c) => NODE_CAPABILITIES.includes(c)) ? 3 : 0, ...(env['KCK_IPVS_SCHEDULER'] ? { ipvsScheduler: env['KCK_IPVS_SCHEDULER'] } : {}) });
      const kube = cluster.client();
      return {
        kube,
        topology: new ReferenceTopology(cluster, kube),
        faults: new ReferenceFaults(cluster),
        network: new ClientPodNetwork(kube, WORKLOAD_IMAGE),
        logs: folderLogs(join(cluster.stateDir, 'logs')),
        stop: () => cluster.stop(),
      };
    },
  };
}
