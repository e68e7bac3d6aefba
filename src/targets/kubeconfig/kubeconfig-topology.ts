/**
 * Topology of a black-box cluster, from what the API shows: Nodes, kube-system Pods (where
 * the distribution runs its components as Pods) and health endpoints.
 */
import type { KubeApi, KubeObject } from '../../ports/kube-api.ts';
import type { ComponentInstance, ControlPlaneComponent, NodeComponent, NodeInfo, Topology } from '../../ports/topology.ts';

const COMPONENT_PREFIXES: Array<[string, ControlPlaneComponent | NodeComponent]> = [
  ['kube-apiserver', 'kube-apiserver'],
  ['etcd', 'etcd'],
  ['kube-scheduler', 'kube-scheduler'],
  ['kube-controller-manager', 'kube-controller-manager'],
  ['cloud-controller-manager', 'cloud-controller-manager'],
  ['kube-proxy', 'kube-proxy'],
];

interface PodView extends KubeObject {
  spec?: { nodeName?: string; containers?: Array<{ command?: string[]; args?: string[] }> };
}

interface NodeView extends KubeObject {
  status?: { addresses?: Array<{ type: string; address: string }> };
}

export class KubeconfigTopology implements Topology {
  constructor(
    private readonly kube: KubeApi,
    private readonly path: string,
  ) {}

  async controlPlane(): Promise<ComponentInstance[]> {
    const found = await this.systemComponents();
    const result = found.filter((c) => c.component !== 'kube-proxy');
    if (!result.some((c) => c.component === 'kube-apiserver')) {
      result.push({ component: 'kube-apiserver', name: 'kube-apiserver', host: new URL(this.kube.server).host, healthUrl: `${this.kube.server}/livez` });
    }
    return result;
  }

  async nodeComponents(node: string): Promise<ComponentInstance[]> {
    const found = (await this.systemComponents()).filter((c) => c.component === 'kube-proxy' && c.host === node);
    // The kubelet and the runtime are not Pods; the Node object vouches for both.
    const obj = await this.kube.get<KubeObject & { status?: { nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string } } }>({ apiVersion: 'v1', kind: 'Node', name: node });
    if (obj?.status?.nodeInfo?.kubeletVersion) found.push({ component: 'kubelet', name: `kubelet-${node}`, host: node });
    if (obj?.status?.nodeInfo?.containerRuntimeVersion) found.push({ component: 'container-runtime', name: obj.status.nodeInfo.containerRuntimeVersion, host: node });
    return found;
  }

  async nodes(): Promise<NodeInfo[]> {
    const list = await this.kube.list<NodeView>({ apiVersion: 'v1', kind: 'Node' });
    return list.items.map((n) => ({
      name: n.metadata.name ?? '',
      controlPlane: n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined,
      address: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
    }));
  }

  async proxyMode(): Promise<string> {
    const cm = await this.kube.get<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kube-proxy' });
    const mode = /^\s*mode:\s*"?([a-z]*)"?/m.exec(cm?.data?.['config.conf'] ?? '')?.[1];
    return mode === undefined || mode === '' ? 'iptables' : mode;
  }

  kubeconfigPath(): string {
    return this.path;
  }

  private async systemComponents(): Promise<ComponentInstance[]> {
    const pods = await this.kube.list<PodView>({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'kube-system' });
    const result: ComponentInstance[] = [];
    for (const pod of pods.items) {
      const name = pod.metadata.name ?? '';
      const match = COMPONENT_PREFIXES.find(([prefix]) => name.startsWith(prefix));
      if (match === undefined) continue;
      const container = pod.spec?.containers?.[0];
      result.push({ component: match[1], name, host: pod.spec?.nodeName ?? '', args: [...(container?.command ?? []), ...(container?.args ?? [])] });
    }
    return result;
  }
}
