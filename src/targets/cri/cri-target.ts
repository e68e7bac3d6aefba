/**
 * The `cri` target: a container runtime alone, no cluster. It offers only the `cri`
 * capability (and `runtime-classes`: both runtimes have a `sandboxed` handler), so runtime
 * scenarios run against the reference runtime or containerd (KCK_CRI) without an apiserver:
 *   KCK_TARGET=cri KCK_CRI=containerd npx cucumber-js features/runtime.feature
 */
import type { KubeApi } from '../../ports/kube-api.ts';
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import { criRuntimeFactory } from './cri-runtime-factory.ts';

export function criTarget(env: NodeJS.ProcessEnv): Target {
  const factory = criRuntimeFactory(env['KCK_CRI'] ?? 'reference');
  const capabilities = new Set<Capability>(['cri', 'runtime-classes']);
  return {
    name: 'cri',
    description: `a CRI runtime alone: ${factory.implementation}`,
    capabilities,
    pending: new Map(),
    cri: factory,
    privateClusters: false,
    unavailableReason: (c) => `the cri target is a container runtime alone; it has no ${c}`,
    async start(): Promise<StartedTarget> {
      const noKube = new Proxy({}, { get: () => { throw new Error('the cri target has no Kubernetes API'); } }) as KubeApi;
      return { kube: noKube, topology: undefined, faults: undefined, network: undefined, stop: async () => undefined };
    },
  };
}
