/**
 * The `etcd` target: etcd clusters alone, no Kubernetes. It offers only `etcd-cluster`, so
 * the etcd scenarios run against the reference etcd or Debian's etcd (KCK_ETCD):
 *   KCK_TARGET=etcd KCK_ETCD=external npx cucumber-js features/etcd.feature
 */
import type { KubeApi } from '../../ports/kube-api.ts';
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import { etcdClusterFactory } from './etcd-cluster-factories.ts';

export function etcdTarget(env: NodeJS.ProcessEnv): Target {
  const factory = etcdClusterFactory(env['KCK_ETCD'] ?? 'reference');
  return {
    name: 'etcd',
    get description() {
      return `etcd clusters alone: ${factory.implementation}`;
    },
    capabilities: new Set<Capability>(['etcd-cluster']),
    pending: new Map(),
    etcdClusters: factory,
    privateClusters: false,
    unavailableReason: (c) => `the etcd target is etcd clusters alone; it has no ${c}`,
    async start(): Promise<StartedTarget> {
      const noKube = new Proxy({}, { get: () => { throw new Error('the etcd target has no Kubernetes API'); } }) as KubeApi;
      return { kube: noKube, topology: undefined, faults: undefined, network: undefined, stop: async () => undefined };
    },
  };
}
