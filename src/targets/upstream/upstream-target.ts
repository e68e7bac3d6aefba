/**
 * The `upstream` target: a local control plane built from upstream sources (upstream/build.sh)
 * with reference nodes (upstream-cluster.ts), so the kit's features can be checked against
 * real Kubernetes (issue 9, "Fidelity"). The API is driven black box through the kit client;
 * because the kit started every process, it also offers a Topology with each process's
 * flags and Faults (signals to those processes). Each start() makes a fresh cluster, so a
 * disruptive scenario can have one of its own.
 */
import type { Connection } from '../../clients/kube/connection.ts';
import { connectionFromKubeconfig } from '../../clients/kube/connection.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import type { Identity } from '../../ports/kube-api.ts';
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import { WORKLOAD_IMAGE } from '../../../reference/workloads/catalogue.ts';
import { ClientPodNetwork } from '../network/client-pod-network.ts';
import { which } from '../which.ts';
import { folderLogs } from '../component-logs.ts';
import { upstreamBinDir, upstreamVersion } from './upstream-binaries.ts';
import { UpstreamCluster } from './upstream-cluster.ts';
import { UpstreamFaults } from './upstream-faults.ts';
import { UpstreamTopology } from './upstream-topology.ts';

const WHY_NOT: Partial<Record<Capability, string>> = {
  'proxy-mode-userspace': 'userspace mode was removed from kube-proxy in Kubernetes 1.26',
  'proxy-mode-ipvs': 'IPVS needs kernel support (CONFIG_IP_VS) this machine lacks',
  'proxy-mode-nftables': 'the upstream target runs its kube-proxies in iptables mode',
  'cloud-provider': 'the local upstream control plane runs without a cloud provider',
  'cloud-provider-faults': 'the local upstream control plane runs without a cloud provider',
  'etcd-cluster': 'the upstream target runs one etcd for its apiserver; etcd scenarios run on the etcd target',
  cri: 'the upstream target has no container runtime of its own; CRI scenarios run on the cri target',
};

// S3.4 (apiserver-outage-recovery): kube-scheduler and kube-controller-manager exit by design
// when they lose their Lease during the outage; the control plane restarts them with back-off,
// as the kubelet restarts kubeadm's static Pods (upstream-control-plane.ts).
// ha-control-plane: each upstream controller instance gets a hostname of its own (a UTS
// namespace), which its Lease holder identity carries.
const ROOT_ONLY: readonly Capability[] = ['apiserver-outage-recovery', 'ha-control-plane', 'apiserver-failover', 'nodes', 'cluster-network', 'kube-proxy', 'proxy-mode-iptables', 'static-pods', 'runtime-classes', 'faults', 'component-config'];

/** Users the authentication scenarios act as; certificates are minted before they are asked for. */
const USERS: ReadonlyArray<{ name: string; groups: string[] }> = [{ name: 'alice', groups: [] }, { name: 'bob', groups: ['kck-viewers'] }];

function identityKey(identity: Identity): string {
  switch (identity.kind) {
    case 'admin': return 'admin';
    case 'anonymous': return 'anonymous';
    case 'user': return `user:${identity.name}:${(identity.groups ?? []).join(',')}`;
    case 'node': return `node:${identity.nodeName}`;
    case 'component': return `component:${identity.name}`;
  }
}

/** Whose scheduler and controller-manager run on the upstream apiserver: the `upstream` target's or, mixed, the reference's. */
export interface UpstreamVariant {
  name: string;
  controllers: 'upstream' | 'reference';
}

const UPSTREAM: UpstreamVariant = { name: 'upstream', controllers: 'upstream' };

export function upstreamTarget(env: NodeJS.ProcessEnv = process.env, variant: UpstreamVariant = UPSTREAM): Target {
  const binDir = env['KCK_UPSTREAM_BIN'] ?? upstreamBinDir();
  const root = process.getuid?.() === 0;
  const capabilities = new Set<Capability>(['kube-api', 'scheduler', 'controller-manager', 'no-cloud-provider', 'authn', 'apiserver-replicas']);
  if (root) for (const c of ROOT_ONLY) capabilities.add(c);
  if (which('kubectl', env['PATH']) !== undefined) capabilities.add('kubectl');
  return {
    name: variant.name,
    description: `upstream Kubernetes ${upstreamVersion()} ${variant.controllers === 'upstream' ? 'control plane' : 'kube-apiserver with the reference scheduler and controller-manager,'} built from source (${binDir}) on Debian etcd${root ? ', 3 reference nodes (runtime, kubelet, kube-proxy in iptables mode) in network namespaces' : ', no nodes (they need root)'}`,
    capabilities,
    pending: new Map(),
    privateClusters: true,
    unavailableReason: (c) => WHY_NOT[c] ?? (ROOT_ONLY.includes(c) ? 'the upstream target offers this as root only (its nodes are network namespaces, its controller instances get UTS namespaces, faults signal its processes)' : `the upstream target does not offer ${c}`),
    async start(needs: readonly Capability[] = []): Promise<StartedTarget> {
      const log = (line: string): void => { if (env['KCK_DEBUG']) process.stderr.write(`[upstream ${new Date().toISOString().slice(11, 23)}] ${line}\n`); };
      // Scenarios that need only the control plane get no nodes, as on the reference target.
      const nodeNeeds: readonly Capability[] = ['nodes', 'cluster-network', 'kube-proxy', 'proxy-mode-iptables', 'static-pods', 'runtime-classes', 'component-config'];
      const nodes = root && (needs.length === 0 || needs.some((c) => nodeNeeds.includes(c))) ? 3 : 0;
      // As on the docker target: several instances only for the scenarios that need them.
      const cluster = await UpstreamCluster.start({
        binDir, nodes, log, controllers: variant.controllers,
        apiservers: needs.includes('apiserver-replicas') ? 2 : 1,
        controllerReplicas: needs.includes('ha-control-plane') ? 3 : 1,
      });
      try {
        const credentials = new Map<string, Connection>();
        const admin = await connectionFromKubeconfig(cluster.adminKubeconfig);
        credentials.set('admin', admin);
        credentials.set('anonymous', { server: admin.server, ...(admin.caPem !== undefined ? { caPem: admin.caPem } : {}) });
        for (const u of USERS) {
          const issued = await cluster.controlPlane.issueClient(u.name, u.groups);
          credentials.set(identityKey({ kind: 'user', name: u.name, groups: u.groups }), await connectionFromKubeconfig(issued.kubeconfigPath));
        }
        const mint = (identity: Identity): Connection => {
          const found = credentials.get(identityKey(identity));
          if (found === undefined) throw new Error(`the upstream target has no credentials for ${identityKey(identity)} (it mints them at start)`);
          return found;
        };
        const kube = new KubeClient(admin, mint);
        return {
          kube,
          topology: new UpstreamTopology(cluster),
          faults: root ? new UpstreamFaults(cluster) : undefined,
          network: root ? new ClientPodNetwork(kube, WORKLOAD_IMAGE) : undefined,
          logs: folderLogs(cluster.controlPlane.stateDir),
          stop: async () => {
            kube.close();
            await cluster.stop();
          },
        };
      } catch (error) {
        await cluster.stop();
        throw error;
      }
    },
  };
}
