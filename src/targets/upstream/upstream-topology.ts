/**
 * Topology of the upstream target: the kit started every process, so it names each one with
 * its flags, as the reference topology does. The control plane runs on the host (instance
 * names '<component>-<n>', host 'control-plane'; the load balancer in front of several
 * apiservers is not a component); node components run in their node's network namespace
 * ('<component>-<node>').
 */
import type { KubeObject } from '../../ports/kube-api.ts';
import type { ComponentInstance, ControlPlaneComponent, NodeComponent, NodeInfo, Topology } from '../../ports/topology.ts';
import { proxyHealthUrl } from '../reference/reference-nodes.ts';
import type { UpstreamCluster } from './upstream-cluster.ts';

const NODE: ReadonlyArray<[string, NodeComponent]> = [['kubelet', 'kubelet'], ['runtime', 'container-runtime'], ['kube-proxy', 'kube-proxy']];

export class UpstreamTopology implements Topology {
  constructor(private readonly cluster: UpstreamCluster) {}

  async controlPlane(): Promise<ComponentInstance[]> {
    const result: ComponentInstance[] = [];
    const { components, apiserverUrls } = this.cluster.controlPlane;
    for (const [name, c] of components) {
      if (!c.running) continue;
      const instance: ComponentInstance = { component: name.replace(/-\d+$/, '') as ControlPlaneComponent, name, host: 'control-plane', args: c.args };
      const url = apiserverUrls.get(name);
      if (url !== undefined) instance.healthUrl = `${url}/livez`;
      result.push(instance);
    }
    for (const [name, c] of this.cluster.referenceControllers) {
      if (c.running) result.push({ component: name.replace(/-\d+$/, '') as ControlPlaneComponent, name, host: 'control-plane', args: c.args });
    }
    return result;
  }

  async nodeComponents(node: string): Promise<ComponentInstance[]> {
    const result: ComponentInstance[] = [];
    const plan = this.cluster.nodes.get(node);
    for (const [prefix, component] of NODE) {
      const process = this.cluster.nodeProcesses.get(`${prefix}-${node}`);
      if (process === undefined || !process.running) continue;
      const instance: ComponentInstance = { component, name: `${prefix}-${node}`, host: node, args: process.args };
      if (component === 'kube-proxy' && plan !== undefined) instance.healthUrl = proxyHealthUrl(plan);
      result.push(instance);
    }
    return result;
  }

  async nodes(): Promise<NodeInfo[]> {
    const list = await this.cluster.admin.list<KubeObject & { status?: { addresses?: Array<{ type: string; address: string }> } }>({ apiVersion: 'v1', kind: 'Node' });
    return list.items.map((n) => ({
      name: n.metadata.name ?? '',
      controlPlane: n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined,
      address: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
    }));
  }

  /** What the proxies report on /proxyMode of their metrics address, as upstream's do. */
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
