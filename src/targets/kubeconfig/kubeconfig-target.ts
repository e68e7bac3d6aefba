/**
 * Any cluster reached through a kubeconfig, black box: the kit sees only the API. The user
 * declares what the cluster offers beyond the API with KCK_CAPABILITIES (comma-separated
 * capability names), since a black box cannot show e.g. whether it has a cloud provider.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connectionFromKubeconfig } from '../../clients/kube/connection.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import { isCapability, type Capability, type StartedTarget, type Target } from '../../ports/target.ts';
import { TargetError } from '../target-registry.ts';
import { ClientPodNetwork } from '../network/client-pod-network.ts';
import { KubeconfigTopology } from './kubeconfig-topology.ts';
import { which } from '../which.ts';

const ALWAYS: Capability[] = ['kube-api', 'nodes', 'scheduler', 'controller-manager'];

const WHY_NOT: Partial<Record<Capability, string>> = {
  'etcd-cluster': 'a kubeconfig target shows no etcd; run the etcd scenarios with KCK_ETCD=external against a real etcd',
  cri: 'a kubeconfig target shows no container runtime socket',
  'static-pods': "the kit cannot write into a kubeconfig target's kubelet manifest folder",
  faults: 'the kit cannot stop components of a kubeconfig target',
  'component-config': "a kubeconfig target does not show its components' flags",
  'proxy-mode-userspace': 'userspace mode was removed from kube-proxy in Kubernetes 1.26',
  'cluster-network': 'set KCK_WORKLOAD_IMAGE to an image of the kit\'s workload that the cluster can run',
  authn: 'the kit cannot mint credentials for other identities of a kubeconfig target',
};

export function kubeconfigPathFrom(env: NodeJS.ProcessEnv): string {
  const path = env['KCK_KUBECONFIG'] ?? env['KUBECONFIG']?.split(':')[0] ?? join(homedir(), '.kube', 'config');
  if (!existsSync(path)) {
    throw new TargetError(`KCK_TARGET=kubeconfig needs a kubeconfig: no file at ${path} (set KUBECONFIG or pass --kubeconfig FILE)`);
  }
  return path;
}

export function kubeconfigTarget(env: NodeJS.ProcessEnv): Target {
  const path = kubeconfigPathFrom(env);
  const declared = (env['KCK_CAPABILITIES'] ?? '').split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  const unknown = declared.filter((c) => !isCapability(c));
  if (unknown.length > 0) throw new TargetError(`KCK_CAPABILITIES names unknown capabilities: ${unknown.join(', ')}`);
  const withdrawn = (env['KCK_NO_CAPABILITIES'] ?? '').split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  const capabilities = new Set<Capability>([...ALWAYS, ...(declared as Capability[])].filter((c) => !withdrawn.includes(c)));
  if (which('kubectl') !== undefined) capabilities.add('kubectl');
  // Client Pods need an image the cluster can run: the kit's workload image, made available
  // to the cluster by the user (e.g. \`ctr images import\` on kind nodes).
  const workloadImage = env['KCK_WORKLOAD_IMAGE'];
  if (workloadImage !== undefined && !withdrawn.includes('cluster-network')) capabilities.add('cluster-network');
  return {
    name: 'kubeconfig',
    description: `cluster of kubeconfig ${path}`,
    capabilities,
    pending: new Map(),
    privateClusters: false,
    unavailableReason: (c) => (withdrawn.includes(c) ? 'withdrawn by KCK_NO_CAPABILITIES' : WHY_NOT[c]) ?? `not declared for this cluster (add it to KCK_CAPABILITIES if the cluster has it)`,
    async start(): Promise<StartedTarget> {
      const kube = new KubeClient(await connectionFromKubeconfig(path));
      return {
        kube,
        topology: new KubeconfigTopology(kube, path),
        faults: undefined,
        network: workloadImage === undefined ? undefined : new ClientPodNetwork(kube, workloadImage, 'anywhere'),
        stop: async () => kube.close(),
      };
    },
  };
}

/** Checks that the cluster answers, for one clear line before any scenario runs. */
export async function preflightKubeconfig(env: NodeJS.ProcessEnv): Promise<void> {
  const path = kubeconfigPathFrom(env);
  const connection = await connectionFromKubeconfig(path);
  const kube = new KubeClient(connection);
  try {
    const res = await kube.request('GET', '/version');
    if (res.status === 401) throw new TargetError(`the cluster at ${connection.server} refused the kubeconfig's credentials (401)`);
    if (res.status !== 200 && res.status !== 403) throw new TargetError(`the cluster at ${connection.server} answered /version with ${res.status}`);
  } catch (error) {
    if (error instanceof TargetError) throw error;
    const code = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
    throw new TargetError(`cannot reach the cluster at ${connection.server} (from ${path}): ${code}`);
  } finally {
    kube.close();
  }
}
