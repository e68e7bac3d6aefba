/** Topology of a docker cluster: the kit started every container, so it knows them all. */
import type { KubeApi, KubeObject } from '../../ports/kube-api.ts';
import type { ComponentInstance, ControlPlaneComponent, NodeComponent, NodeInfo, Topology } from '../../ports/topology.ts';
import { proxyHealthUrl } from '../reference/reference-nodes.ts';
import type { DockerCluster } from './docker-cluster.ts';

const CONTROL_PLANE: Record<string, ControlPlaneComponent> = {
  'kube-apiserver': 'kube-apiserver',
  etcd: 'etcd',
  'kube-scheduler': 'kube-scheduler',
  'kube-controller-manager': 'kube-controller-manager',
  'cloud-controller-manager': 'cloud-controller-manager',
};

const NODE: Record<string, NodeComponent> = { runtime: 'container-runtime', kubelet: 'kubelet', proxy: 'kube-proxy' };

export class DockerTopology implements Topology {
  constructor(
    private readonly cluster: DockerCluster,
    private readonly kube: KubeApi,
  ) {}

  async controlPlane(): Promise<ComponentInstance[]> {
    const result: ComponentInstance[] = [];
    for (const [name, component] of this.cluster.components) {
      const prefix = Object.keys(CONTROL_PLANE).find((p) => name.startsWith(`${p}-`));
      if (prefix === undefined || !component.running) continue;
      // The host is the container: each component has a machine of its own.
      const instance: ComponentInstance = { component: CONTROL_PLANE[prefix] as ControlPlaneComponent, name, host: `kck-${this.cluster.id}-${name}`, args: component.args };
      if (prefix === 'kube-apiserver') {
        instance.healthUrl = `${this.cluster.apiserverUrl(name)}/livez`;
        instance.serves = this.cluster.inNetworkUrls(name);
      }
      result.push(instance);
    }
    return result;
  }

  /** The node container's components, from the plan its supervisor runs; none while it is down. */
  nodeComponents(name: string): Promise<ComponentInstance[]> {
    const node = this.cluster.nodes.get(name);
    if (node === undefined || !node.container.running) return Promise.resolve([]);
    return Promise.resolve(node.containerPlan.components.map((c) => {
      const instance: ComponentInstance = { component: NODE[c.kck] as NodeComponent, name: c.name, host: name, args: c.args };
      if (c.kck === 'proxy') instance.healthUrl = proxyHealthUrl(node.plan);
      return instance;
    }));
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
    const res = await fetch(proxyHealthUrl(node.plan).replace(/\/healthz$/, '/proxyMode'));
    return (await res.text()).trim();
  }

  staticPodPath(node: string): string | undefined {
    return this.cluster.nodes.get(node)?.plan.manifestDir;
  }

  kubeconfigPath(): string {
    return this.cluster.adminKubeconfig;
  }
}
