/**
 * The two mixed configurations of issue 9, as targets:
 * - `upstream-apiserver+reference-controllers`: the upstream target (etcd, kube-apiserver,
 *   reference nodes) with the reference kube-scheduler and kube-controller-manager in place
 *   of upstream's (upstream-cluster.ts);
 * - `reference-apiserver+upstream-controllers`: the reference cluster (etcd, apiserver,
 *   nodes) with the upstream kube-scheduler and kube-controller-manager in place of the
 *   reference's. They run unchanged but for two flags: JSON content type (upstream's default
 *   is protobuf, which the reference apiserver does not serve; see upstream/observed-requests.md)
 *   and no delegated authentication of their own endpoints. They act as admin: upstream gives
 *   its controllers one service account each through TokenRequest, which the reference does
 *   not do.
 */
import { join } from 'node:path';
import { WORKLOAD_IMAGE } from '../../../reference/workloads/catalogue.ts';
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import { freePort } from '../../process/free-port.ts';
import { ClientPodNetwork } from '../network/client-pod-network.ts';
import type { ComponentSpec } from '../reference/component-process.ts';
import { ReferenceCluster } from '../reference/reference-cluster.ts';
import { ReferenceFaults } from '../reference/reference-faults.ts';
import { ReferenceTopology } from '../reference/reference-topology.ts';
import { which } from '../which.ts';
import { folderLogs } from '../component-logs.ts';
import { controllerManagerFlags, schedulerFlags } from './control-plane-flags.ts';
import { upstreamBinDir } from './upstream-binaries.ts';
import { upstreamTarget } from './upstream-target.ts';
import { getOnce } from './wait-for-https.ts';

/** The upstream target with the reference scheduler and controller-manager: same nodes, topology and faults. */
export function upstreamApiserverWithReferenceControllersTarget(env: NodeJS.ProcessEnv = process.env): Target {
  return upstreamTarget(env, { name: 'upstream-apiserver+reference-controllers', controllers: 'reference' });
}

/**
 * The upstream kube-scheduler and kube-controller-manager as the reference cluster's
 * controllers, `replicas` of each; several get host names of their own, which their Lease
 * holder identities carry (own-hostname.ts).
 */
export function upstreamControllerSpecs(binDir: string, replicas = 1): (adminKubeconfig: string, stateDir: string) => Promise<ComponentSpec[]> {
  return async (kubeconfig, stateDir) => {
    const spec = async (name: 'kube-scheduler' | 'kube-controller-manager', instance: string): Promise<ComponentSpec> => {
      const port = await freePort();
      const common = { kubeconfig, delegatedAuth: false, port, certDir: join(stateDir, `${instance}-certs`), leaderElect: true, contentType: 'application/json' };
      const args = name === 'kube-scheduler'
        ? schedulerFlags(common)
        : [
          ...controllerManagerFlags({ ...common, useServiceAccountCredentials: false, serviceClusterIpRange: '10.96.0.0/16', clusterCidr: '10.244.0.0/16' }),
          // The reference cluster's node-lifecycle timing, so node scenarios take seconds (upstream: 40 s, 5 s).
          '--node-monitor-grace-period=10s', '--node-monitor-period=2s',
        ];
      return {
        name: instance,
        command: { executable: join(binDir, name) },
        args,
        ...(replicas > 1 ? { hostname: instance } : {}),
        ready: async () => {
          const res = await getOnce(`https://127.0.0.1:${port}/healthz`, { insecure: true });
          if (res.status !== 200) throw new Error(`${name} /healthz answered ${res.status}`);
        },
        readyTimeoutMs: 120_000,
      };
    };
    const specs: ComponentSpec[] = [];
    for (const name of ['kube-scheduler', 'kube-controller-manager'] as const) {
      for (let i = 1; i <= replicas; i++) specs.push(await spec(name, `${name}-${i}`));
    }
    return specs;
  };
}

const MIXED_BUILT: readonly Capability[] = [
  'kube-api', 'scheduler', 'controller-manager', 'no-cloud-provider', 'faults', 'component-config', 'authn',
  'nodes', 'static-pods', 'runtime-classes', 'kube-proxy', 'cluster-network', 'proxy-mode-iptables',
  'apiserver-replicas', 'apiserver-failover', 'ha-control-plane',
];

const MIXED_PENDING: ReadonlyMap<Capability, string> = new Map<Capability, string>([
  ['apiserver-outage-recovery', 'upstream kube-scheduler and kube-controller-manager exit by design when they lose their Lease; this configuration does not restart them as a kubelet restarts static Pods (the upstream target does)'],
]);

const MIXED_NEVER: Partial<Record<Capability, string>> = {
  'cloud-provider': 'the mixed configurations run without a cloud provider',
  'cloud-provider-faults': 'the mixed configurations run without a cloud provider',
  'etcd-cluster': 'etcd scenarios run on the etcd target',
  cri: 'CRI scenarios run on the cri target',
  'proxy-mode-userspace': 'the nodes run kube-proxy in iptables mode',
  'proxy-mode-ipvs': 'the nodes run kube-proxy in iptables mode',
  'proxy-mode-nftables': 'the nodes run kube-proxy in iptables mode',
};

/** Needs that call for nodes; control-plane-only scenarios start without them, in seconds. */
const NODE_NEEDS: readonly Capability[] = ['nodes', 'static-pods', 'runtime-classes', 'kube-proxy', 'cluster-network', 'proxy-mode-iptables', 'component-config'];
/** Needs that call for root besides the nodes: upstream controller instances get UTS namespaces. */
const ROOT_NEEDS: readonly Capability[] = [...NODE_NEEDS, 'ha-control-plane'];

export function referenceApiserverWithUpstreamControllersTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const root = process.getuid?.() === 0;
  const capabilities = new Set<Capability>(MIXED_BUILT.filter((c) => root || !ROOT_NEEDS.includes(c)));
  if (which('kubectl', env['PATH']) !== undefined) capabilities.add('kubectl');
  const binDir = env['KCK_UPSTREAM_BIN'] ?? upstreamBinDir();
  return {
    name: 'reference-apiserver+upstream-controllers',
    description: `reference etcd, kube-apiserver${root ? ' and 3 nodes (iptables kube-proxy)' : ''} with the upstream kube-scheduler and kube-controller-manager built from source (JSON)`,
    capabilities,
    pending: MIXED_PENDING,
    privateClusters: true,
    unavailableReason: (c) => MIXED_NEVER[c] ?? (ROOT_NEEDS.includes(c) ? 'this needs root: the reference nodes are network namespaces, and upstream controller instances get UTS namespaces' : `the reference-apiserver+upstream-controllers configuration does not offer ${c}`),
    async start(needs: readonly Capability[] = []): Promise<StartedTarget> {
      const cluster = await ReferenceCluster.start({
        apiservers: needs.includes('apiserver-replicas') ? 2 : 1,
        cloudProvider: false,
        proxyMode: 'iptables',
        nodes: root && (needs.length === 0 || needs.some((c) => NODE_NEEDS.includes(c))) ? 3 : 0,
        controllers: upstreamControllerSpecs(binDir, needs.includes('ha-control-plane') ? 3 : 1),
      });
      const kube = cluster.client();
      return {
        kube,
        topology: new ReferenceTopology(cluster, kube),
        faults: new ReferenceFaults(cluster),
        network: root ? new ClientPodNetwork(kube, WORKLOAD_IMAGE) : undefined,
        logs: folderLogs(join(cluster.stateDir, 'logs')),
        stop: () => cluster.stop(),
      };
    },
  };
}
