/**
 * The `nodes` target: reference kubelets and CRI runtimes (KCK_CRI=reference|containerd) on
 * the upstream control plane from the kit's build cache (kube-apiserver, controller-manager,
 * scheduler on etcd). It exercises the node components against the real thing until the
 * reference cluster starts its own nodes:
 *   KCK_TARGET=nodes [KCK_NODES=2] [KCK_CRI=containerd] npx cucumber-js features/kubelet.feature
 * Each kubelet authenticates as system:node:<name> (group system:nodes), so the Node
 * authorizer and NodeRestriction admission judge it as they would a real kubelet.
 */
import type { KubeApi } from '../../ports/kube-api.ts';
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import type { ComponentInstance, NodeInfo, Topology } from '../../ports/topology.ts';
import { connectionFromKubeconfig } from '../../clients/kube/connection.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import { startUpstreamControlPlane } from '../upstream/upstream-control-plane.ts';
import { criRuntimeFactory } from './cri-runtime-factory.ts';
import { startReferenceNode } from './reference-node.ts';
import type { StartedNode } from './reference-node.ts';
import { waitFor } from './wait-for.ts';
import { which } from '../which.ts';

class NodesTopology implements Topology {
  constructor(private readonly kube: KubeApi, private readonly nodesByName: Map<string, StartedNode>, private readonly adminKubeconfig: string, private readonly runtime: string) {}
  async controlPlane(): Promise<ComponentInstance[]> {
    return ['kube-apiserver', 'etcd', 'kube-scheduler', 'kube-controller-manager'].map((c) => ({
      component: c as ComponentInstance['component'], name: `${c}-1`, host: '127.0.0.1',
      ...(c === 'kube-apiserver' ? { healthUrl: `${this.kube.server}/readyz` } : {}),
    }));
  }
  async nodeComponents(node: string): Promise<ComponentInstance[]> {
    const n = this.nodesByName.get(node);
    if (!n) return [];
    return [
      { component: 'kubelet', name: `kubelet-${node}`, host: node, args: n.kubeletArgs },
      { component: 'container-runtime', name: `${this.runtime}-${node}`, host: node },
    ];
  }
  async nodes(): Promise<NodeInfo[]> {
    return [...this.nodesByName.keys()].map((name) => ({ name, controlPlane: false, address: '127.0.0.1' }));
  }
  async proxyMode(): Promise<string> { return 'none'; }
  kubeconfigPath(): string { return this.adminKubeconfig; }
  staticPodPath(node: string): string | undefined { return this.nodesByName.get(node)?.manifestDir; }
}

export function nodesTarget(env: NodeJS.ProcessEnv): Target {
  const runtime = env['KCK_CRI'] ?? 'reference';
  const count = Number(env['KCK_NODES'] ?? '2');
  const root = process.getuid?.() === 0;
  const capabilities = new Set<Capability>(['kube-api', 'nodes', 'scheduler', 'controller-manager', 'cri', 'runtime-classes', 'static-pods']);
  if (which('kubectl', env['PATH']) !== undefined) capabilities.add('kubectl');
  if (root) capabilities.add('cluster-network');
  return {
    name: 'nodes',
    description: `${count} reference kubelet(s) on ${runtime} with the upstream control plane`,
    capabilities,
    pending: new Map(),
    cri: criRuntimeFactory(runtime),
    privateClusters: false,
    unavailableReason: (c) => (c === 'cluster-network' ? 'pod networking across nodes needs root (network namespaces)' : `the nodes target does not offer ${c}`),
    async start(): Promise<StartedTarget> {
      const log = (line: string): void => { if (env['KCK_DEBUG']) process.stderr.write(`${line}\n`); };
      const cp = await startUpstreamControlPlane({ log });
      const nodes = new Map<string, StartedNode>();
      const kube = new KubeClient(await connectionFromKubeconfig(cp.kubeconfigPath));
      const stop = async (): Promise<void> => {
        kube.close();
        for (const n of nodes.values()) await n.stop().catch(() => undefined);
        await cp.stop();
      };
      try {
        for (let i = 1; i <= count; i++) {
          const name = `kck-node-${i}`;
          const creds = await cp.issueClient(`system:node:${name}`, ['system:nodes']);
          nodes.set(name, await startReferenceNode({ name, kubeconfigPath: creds.kubeconfigPath, index: 100 + i, runtime, log, ca: cp.pki }));
        }
        await waitFor('every node Ready', async () => {
          const list = await kube.list({ apiVersion: 'v1', kind: 'Node' });
          const ready = list.items.filter((n) => ((n['status'] as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
          return ready.length >= count ? true : undefined;
        }, 120_000);
      } catch (err) {
        await stop();
        throw err;
      }
      return { kube, topology: new NodesTopology(kube, nodes, cp.kubeconfigPath, runtime), faults: undefined, network: undefined, stop };
    },
  };
}
