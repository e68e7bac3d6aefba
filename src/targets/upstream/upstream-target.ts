/**
 * The `upstream` target: a local control plane built from upstream sources (upstream/build.sh)
 * driven black box, exactly like any cluster behind a kubeconfig (issue 9). Each start() makes
 * a fresh control plane (about 15 s), so a disruptive scenario can have one of its own.
 * Not registered in target-registry.ts by this module; the lead wires the name.
 */
import { connectionFromKubeconfig } from '../../clients/kube/connection.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import { KubeconfigTopology } from '../kubeconfig/kubeconfig-topology.ts';
import { which } from '../which.ts';
import { upstreamBinDir, upstreamVersion } from './upstream-binaries.ts';
import { startUpstreamControlPlane } from './upstream-control-plane.ts';

const WHY_NOT: Partial<Record<Capability, string>> = {
  'proxy-mode-userspace': 'userspace mode was removed from kube-proxy in Kubernetes 1.26',
  'proxy-mode-ipvs': 'IPVS needs kernel support (CONFIG_IP_VS) this machine lacks',
  'cloud-provider': 'the local upstream control plane runs without a cloud provider',
  'etcd-cluster': 'the upstream target runs one etcd for its apiserver; etcd scenarios run on the etcd target',
  cri: 'the upstream target has no container runtime of its own; CRI scenarios run on the cri target',
};

const PENDING: ReadonlyMap<Capability, string> = new Map<Capability, string>([
  ['nodes', 'no kubelets registered against the upstream control plane yet (reference kubelet + runtime to come)'],
  ['cluster-network', 'needs nodes'],
  ['kube-proxy', 'needs nodes'],
  ['faults', 'process-level faults for the upstream components are not wired yet'],
]);

export function upstreamTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const binDir = env['KCK_UPSTREAM_BIN'] ?? upstreamBinDir();
  const capabilities = new Set<Capability>(['kube-api', 'scheduler', 'controller-manager', 'no-cloud-provider']);
  if (which('kubectl') !== undefined) capabilities.add('kubectl');
  return {
    name: 'upstream',
    description: `upstream Kubernetes ${upstreamVersion()} control plane built from source (${binDir}), Debian etcd`,
    capabilities,
    pending: PENDING,
    privateClusters: true,
    unavailableReason: (c) => WHY_NOT[c] ?? PENDING.get(c) ?? `the upstream target does not offer ${c}`,
    async start(): Promise<StartedTarget> {
      const cp = await startUpstreamControlPlane({ binDir });
      try {
        const kube = new KubeClient(await connectionFromKubeconfig(cp.kubeconfigPath));
        return {
          kube,
          topology: new KubeconfigTopology(kube, cp.kubeconfigPath),
          faults: undefined,
          network: undefined,
          stop: async () => {
            kube.close();
            await cp.stop();
          },
        };
      } catch (error) {
        await cp.stop();
        throw error;
      }
    },
  };
}
