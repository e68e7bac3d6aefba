/** Topology of a reference cluster: the kit started every component, so it knows them all. */
import type { KubeApi, KubeObject } from '../../ports/kube-api.ts';
import type { ComponentInstance, ControlPlaneComponent, NodeComponent, NodeInfo, Topology } from '../../ports/topology.ts';
import type { ReferenceCluster } from './reference-cluster.ts';
import { proxyHealthUrl } from './reference-nodes.ts';

const CONTROL_PLANE: Record<string, ControlPlaneComponent> = {
  'kube-apiserver': 'kube-apiserver',
  etcd: 'etcd',
  'kube-scheduler': 'kube-scheduler',
  'kube-controller-manager': 'kube-controller-manager',
  'cloud-controller-manager': 'cloud-controller-manager',
};

const NODE: Record<string, NodeComponent> = { kubelet: 'kubelet', runtime: 'container-runtime', 'kube-proxy': 'kube-proxy' };

/** Instance names are '<component>-<n>' for the control plane and '<component>-<node>' on nodes. */
function componentOf(instance: string, table: Record<string, string>): string | undefined {
  return Object.keys(table).find((prefix) => instance.startsWith(`${prefix}-`));
}

export class ReferenceTopology implements Topology {
  constructor(
    private readonly cluster: ReferenceCluster,
    private readonly kube: KubeApi,
  ) {}

  async controlPlane(): Promise<ComponentInstance[]> {
    const result: ComponentInstance[] = [];
    for (const [name, process] of this.cluster.components) {
      const prefix = componentOf(name, CONTROL_PLANE);
      if (prefix === undefined || !process.running) continue;
      const instance: ComponentInstance = { component: CONTROL_PLANE[prefix]!, name, host: 'control-plane', args: process.args };
      if (prefix === 'kube-apiserver') instance.healthUrl = `${this.cluster.apiserverUrl(name)}/livez`;
      result.push(instance);
    }
    return result;
  }

  async nodeComponents(node: string): Promise<ComponentInstance[]> {
    const result: ComponentInstance[] = [];
    for (const [name, process] of this.cluster.components) {
      const prefix = componentOf(name, NODE);
      if (prefix === undefined || name !== `${prefix}-${node}` || !process.running) continue;
      const instance: ComponentInstance = { component: NODE[prefix]!, name, host: node, args: process.args };
      const plan = this.cluster.nodes.get(node);
      if (prefix === 'kube-proxy' && plan !== undefined) instance.healthUrl = proxyHealthUrl(plan);
      result.push(instance);
    }
    return result;
  }

  async nodes(): Promise<NodeInfo[]> {
    const list = await this.kube.list<KubeObject & { status?: { addresses?: Array<{ type: string; address: string }> } }>({ apiVersion: 'v1', kind: 'Node' });
    return list.items.map((n) => ({
      name: n.metadata.name ?? '',
      controlPlane: n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined,
      address: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
    }));
  }

  /** What the proxies themselves report on /proxyMode, as upstream's metrics port does. */
  async proxyMode(): Promise<string> {
    const node = [...this.cluster.nodes.values()][0];
    if (node === undefined) return this.cluster.proxyMode;
    const res = await fetch(proxyHealthUrl(node).replace(/\/healthz$/, '/proxyMode'));
    return (await res.text()).trim();
  }

  staticPodPath(node: string): string | undefined {
    return this.cluster.nodes.get(node)?.manifestDir;
  }

  kubeconfigPath(): string {
    return this.cluster.adminKubeconfig;
  }
}
