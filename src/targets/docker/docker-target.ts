/**
 * The `docker` target: the reference cluster with every component in a container of its own
 * on a per-run docker network (etcd, apiserver(s), scheduler, controller-manager), the
 * apiserver published on 127.0.0.1 only, and one container per node (kck/node: the reference
 * runtime, kubelet and kube-proxy under `kck node`), three nodes for scenarios that need
 * nodes, none for the control-plane-only ones. Etcd scenarios get etcd clusters of containers
 * (Debian etcd 3.4 by default; KCK_ETCD=docker-reference for the reference etcd). Needs a
 * docker daemon; images are built locally on first use (`kck images build`).
 *   KCK_TARGET=docker npx cucumber-js
 *   KCK_DOCKER_APISERVERS=N  apiserver replicas of the shared cluster (default 1)
 *   KCK_PROXY_MODE=iptables|nftables  kube-proxy mode of every node (default iptables)
 *   KCK_CRI=reference|containerd  the nodes' CRI runtime (default reference; containerd runs
 *                            Debian's containerd + runc in kck/node-containerd)
 * Scenarios that need several apiservers (behind the reference load balancer) or several
 * schedulers and controller-managers get a private cluster shaped for them.
 */
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import { CAPABILITIES } from '../../ports/target.ts';
import { etcdClusterFactory } from '../etcd/etcd-cluster-factories.ts';
import { which } from '../which.ts';
import { ClientPodNetwork } from '../network/client-pod-network.ts';
import { WORKLOAD_IMAGE } from '../../../reference/workloads/catalogue.ts';
import { DockerCluster, type NodeCri } from './docker-cluster.ts';
import { DockerFaults } from './docker-faults.ts';
import { DockerTopology } from './docker-topology.ts';

/** What works in containers today (checked by running the features on this target). */
const BUILT: Capability[] = [
  'kube-api', 'etcd-cluster', 'scheduler', 'controller-manager', 'component-config', 'no-cloud-provider',
  'cloud-provider', 'cloud-provider-faults',
  'apiserver-replicas', 'apiserver-failover', 'ha-control-plane', 'apiserver-outage-recovery',
  'nodes', 'cluster-network', 'kube-proxy', 'static-pods', 'runtime-classes',
  // Containers killed, stopped and started again at the same address; nodes disconnected
  // from the run network and reconnected; nodes added (docker-nodes.test.ts).
  'faults',
  // The apiservers read the token file of ClusterCredentials, which holds users without roles.
  'authn',
];

const PENDING_REASON: Partial<Record<Capability, string>> = {
};

/** kube-proxy modes a node container can run (kck/node has iptables and nft); one per run. */
const PROXY_MODES = ['iptables', 'nftables'];

/** Scenarios needing any of these get node containers; the rest boot the control plane only. */
const NODE_CAPABILITIES: readonly Capability[] = ['nodes', 'runtime-classes', 'static-pods', 'kube-proxy', 'cluster-network', 'proxy-mode-iptables', 'proxy-mode-nftables', 'cloud-provider', 'cloud-provider-faults'];

const NEVER: Partial<Record<Capability, string>> = {
  'proxy-mode-ipvs': 'IPVS needs kernel support (CONFIG_IP_VS) this machine lacks',
  'proxy-mode-userspace': 'userspace mode was removed from kube-proxy in Kubernetes 1.26',
  cri: 'CRI scenarios run on the cri target',
};

/** The nodes' CRI runtime (KCK_CRI): the reference runtime by default, or Debian's containerd. */
function criChoice(env: NodeJS.ProcessEnv): NodeCri {
  const choice = env['KCK_CRI'] ?? 'reference';
  if (choice !== 'reference' && choice !== 'containerd') throw new Error(`KCK_CRI=${choice}: the docker target's nodes run reference or containerd`);
  return choice;
}

function etcdChoice(env: NodeJS.ProcessEnv): 'docker' | 'docker-reference' {
  return env['KCK_ETCD'] === 'docker-reference' || env['KCK_ETCD'] === 'reference' ? 'docker-reference' : 'docker';
}

export function dockerTarget(env: NodeJS.ProcessEnv): Target {
  const capabilities = new Set<Capability>(BUILT);
  if (which('kubectl', env['PATH']) !== undefined) capabilities.add('kubectl');
  // As on the reference target: one kube-proxy mode per run (KCK_PROXY_MODE), iptables by default.
  const proxyMode = env['KCK_PROXY_MODE'] ?? 'iptables';
  if (!PROXY_MODES.includes(proxyMode)) throw new Error(`KCK_PROXY_MODE=${proxyMode}: the docker target runs ${PROXY_MODES.join(' or ')}`);
  capabilities.add(`proxy-mode-${proxyMode}` as Capability);
  const pending = new Map<Capability, string>();
  for (const c of CAPABILITIES) {
    const otherMode = PROXY_MODES.some((m) => c === `proxy-mode-${m}`) ? `the kube-proxies of this run use ${proxyMode} mode; run again with KCK_PROXY_MODE=${c.slice('proxy-mode-'.length)}` : undefined;
    const reason = otherMode ?? PENDING_REASON[c];
    if (!capabilities.has(c) && reason !== undefined) pending.set(c, reason);
  }
  const cri = criChoice(env);
  const etcd = etcdChoice(env);
  const apiservers = Number(env['KCK_DOCKER_APISERVERS'] ?? '1');
  return {
    name: 'docker',
    description: `reference cluster in docker containers, ${etcd === 'docker' ? 'Debian etcd 3.4' : 'reference etcd'}, ${apiservers} apiserver(s), node containers on ${cri === 'containerd' ? 'containerd' : 'the reference runtime'} with kube-proxy in ${proxyMode} mode`,
    capabilities,
    pending,
    etcdClusters: etcdClusterFactory(etcd),
    privateClusters: true,
    unavailableReason: (c) => NEVER[c] ?? (c === 'kubectl' ? 'no kubectl binary on PATH' : `the docker target does not offer ${c}`),
    async start(needs: readonly Capability[] = []): Promise<StartedTarget> {
      // The shared cluster (no needs) has nodes; scenarios shaped for the control plane only do not.
      const nodes = needs.length === 0 || needs.some((c) => NODE_CAPABILITIES.includes(c)) ? 3 : 0;
      const cluster = await DockerCluster.start({
        etcd,
        apiservers: needs.includes('apiserver-replicas') ? Math.max(2, apiservers) : apiservers,
        controllerReplicas: needs.includes('ha-control-plane') ? 3 : 1,
        nodes,
        proxyMode,
        cloudProvider: !needs.includes('no-cloud-provider'),
        cri,
      });
      const kube = cluster.client();
      return { kube, topology: new DockerTopology(cluster, kube), faults: new DockerFaults(cluster), network: new ClientPodNetwork(kube, WORKLOAD_IMAGE), logs: cluster.logs(), stop: () => cluster.stop() };
    },
  };
}
