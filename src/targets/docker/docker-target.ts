/**
 * The `docker` target: the reference cluster with every component in a container of its own
 * on a per-run docker network (etcd, apiserver(s), scheduler, controller-manager), the
 * apiserver published on 127.0.0.1 only. Etcd scenarios get etcd clusters of containers
 * (Debian etcd 3.4 by default; KCK_ETCD=docker-reference for the reference etcd). Needs a
 * docker daemon; images are built locally on first use (`kck images build`).
 *   KCK_TARGET=docker npx cucumber-js
 *   KCK_DOCKER_APISERVERS=N  apiserver replicas (default 1)
 */
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import { CAPABILITIES } from '../../ports/target.ts';
import { etcdClusterFactory } from '../etcd/etcd-cluster-factories.ts';
import { which } from '../which.ts';
import { DockerCluster } from './docker-cluster.ts';
import { DockerFaults } from './docker-faults.ts';
import { DockerTopology } from './docker-topology.ts';

/** What works in containers today (checked by running the features on this target). */
const BUILT: Capability[] = ['kube-api', 'etcd-cluster', 'scheduler', 'controller-manager', 'component-config', 'no-cloud-provider'];

const PENDING_REASON: Partial<Record<Capability, string>> = {
  nodes: 'node containers (kubelet + runtime + kube-proxy, privileged) are not built yet',
  'cluster-network': 'needs node containers',
  'kube-proxy': 'needs node containers',
  'static-pods': 'needs node containers',
  'apiserver-replicas': 'the reference L4 load balancer is not built yet',
  faults: 'container faults work for control-plane components; node faults need node containers',
};

const NEVER: Partial<Record<Capability, string>> = {
  'proxy-mode-ipvs': 'IPVS needs kernel support (CONFIG_IP_VS) this machine lacks',
  'proxy-mode-userspace': 'userspace mode was removed from kube-proxy in Kubernetes 1.26',
  cri: 'CRI scenarios run on the cri target',
  'runtime-classes': 'no sandboxed runtime handler in the docker target',
  'cloud-provider': 'the docker target runs no cloud-controller-manager (its loopback cloud relays on the host)',
};

function etcdChoice(env: NodeJS.ProcessEnv): 'docker' | 'docker-reference' {
  return env['KCK_ETCD'] === 'docker-reference' || env['KCK_ETCD'] === 'reference' ? 'docker-reference' : 'docker';
}

export function dockerTarget(env: NodeJS.ProcessEnv): Target {
  const capabilities = new Set<Capability>(BUILT);
  if (which('kubectl', env['PATH']) !== undefined) capabilities.add('kubectl');
  const pending = new Map<Capability, string>();
  for (const c of CAPABILITIES) {
    const reason = PENDING_REASON[c];
    if (!capabilities.has(c) && reason !== undefined) pending.set(c, reason);
  }
  const etcd = etcdChoice(env);
  const apiservers = Number(env['KCK_DOCKER_APISERVERS'] ?? '1');
  return {
    name: 'docker',
    description: `reference cluster in docker containers, ${etcd === 'docker' ? 'Debian etcd 3.4' : 'reference etcd'}, ${apiservers} apiserver(s)`,
    capabilities,
    pending,
    etcdClusters: etcdClusterFactory(etcd),
    privateClusters: true,
    unavailableReason: (c) => NEVER[c] ?? (c === 'kubectl' ? 'no kubectl binary on PATH' : `the docker target does not offer ${c}`),
    async start(): Promise<StartedTarget> {
      const cluster = await DockerCluster.start({ etcd, apiservers });
      const kube = cluster.client();
      return { kube, topology: new DockerTopology(cluster, kube), faults: new DockerFaults(cluster), network: undefined, stop: () => cluster.stop() };
    },
  };
}
