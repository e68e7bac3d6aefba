/** Topology of a docker cluster: the kit started every container, so it knows them all. */
import type { KubeApi, KubeObject } from '../../ports/kube-api.ts';
import type { ComponentInstance, ControlPlaneComponent, NodeInfo, Topology } from '../../ports/topology.ts';
import type { DockerCluster } from './docker-cluster.ts';

const CONTROL_PLANE: Record<string, ControlPlaneComponent> = {
  'kube-apiserver': 'kube-apiserver',
  etcd: 'etcd',
  'kube-scheduler': 'kube-scheduler',
  'kube-controller-manager': 'kube-controller-manager',
  'cloud-controller-manager': 'cloud-controller-manager',
};

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
      if (prefix === 'kube-apiserver') instance.healthUrl = `${this.cluster.apiserverUrl(name)}/livez`;
      result.push(instance);
    }
    return result;
  }

  nodeComponents(): Promise<ComponentInstance[]> {
    return Promise.resolve([]); // No node containers yet.
  }

  async nodes(): Promise<NodeInfo[]> {
    const list = await this.kube.list<KubeObject & { status?: { addresses?: Array<{ type: string; address: string }> } }>({ apiVersion: 'v1', kind: 'Node' });
    return list.items.map((n) => ({
      name: n.metadata.name ?? '',
      controlPlane: n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined,
      address: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
    }));
  }

  proxyMode(): Promise<string> {
    return Promise.resolve('none');
  }

  kubeconfigPath(): string {
    return this.cluster.adminKubeconfig;
  }
}
