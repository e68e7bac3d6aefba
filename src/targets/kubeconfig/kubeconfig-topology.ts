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
    const has = (component: string): boolean => result.some((c) => c.component === component);
    if (!has('kube-apiserver')) {
      result.push({ component: 'kube-apiserver', name: 'kube-apiserver', host: new URL(this.kube.server).host, healthUrl: `${this.kube.server}/livez` });
    }
    // Where the distribution does not run etcd as a Pod, the apiserver's own readiness
    // check of its storage vouches for it.
    if (!has('etcd')) {
      const ready = await this.kube.request('GET', '/readyz?verbose');
      if (/^\[\+\]etcd ok$/m.test(ready.text)) result.push({ component: 'etcd', name: 'etcd (seen by the apiserver)', host: '' });
    }
    // The scheduler and the controller-manager hold leader-election Leases in kube-system.
    for (const component of ['kube-scheduler', 'kube-controller-manager', 'cloud-controller-manager'] as const) {
      if (has(component)) continue;
      const lease = await this.kube.get<KubeObject & { spec?: { holderIdentity?: string } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name: component });
      const holder = lease?.spec?.holderIdentity;
      if (holder) result.push({ component, name: holder, host: holder.split('_')[0] ?? '' });
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
