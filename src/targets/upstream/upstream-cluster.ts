/**
 * An upstream control plane with reference nodes: upstream kube-apiserver (on Debian's
 * etcd), kube-scheduler and kube-controller-manager built from source, plus nodes made of
 * the reference runtime, kubelet and kube-proxy, started exactly as the reference cluster
 * starts its own (reference-nodes.ts): as root each node is a network namespace on a
 * per-cluster bridge (cluster-network.ts) and kube-proxy programs iptables inside it.
 *
 * What differs from the reference cluster is only how the nodes authenticate: each kubelet
 * gets a client certificate for system:node:<name> in system:nodes from the control plane's
 * CA, so upstream's Node authorizer and NodeRestriction admission judge it as they would a
 * real kubelet; kube-proxy is system:kube-proxy, which upstream's default RBAC binds to
 * system:node-proxier.
 *
 * Addresses line up with the reference cluster's: the apiserver listens on the bridge's host
 * address (nodes reach it there; it is the `kubernetes` Service's endpoint), Services come
 * from 10.96.0.0/16, Pods from 10.244.0.0/16, each node's pod CIDR 10.244.<n>.0/24 (the
 * kubelet registers it; upstream's node-ipam controller takes registered CIDRs as in use).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { connectionFromKubeconfig } from '../../clients/kube/connection.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import { canBuildNamespaces, ClusterNetwork } from '../reference/cluster-network.ts';
import { ComponentProcess } from '../reference/component-process.ts';
import { markControlPlaneNode, nodeComponents, planNode, type NodeCredentials, type NodeEnvironment, type NodePlan } from '../reference/reference-nodes.ts';
import { startUpstreamControlPlane, type UpstreamControlPlane } from './upstream-control-plane.ts';

export const UPSTREAM_SERVICE_CIDR = '10.96.0.0/16';
export const UPSTREAM_CLUSTER_CIDR = '10.244.0.0/16';

export interface UpstreamClusterOptions {
  binDir?: string;
  /** Nodes, the first of them the control-plane node (labelled and tainted, as kubeadm does). */
  nodes?: number;
  /** Reference kube-proxy mode; iptables (the only kernel mode this target offers). */
  proxyMode?: string;
  log?: (line: string) => void;
}

/** Node identities: the reference cluster's names, so scenarios read the same on both. */
const nodeName = (index: number): string => `node-${index}`;

export class UpstreamCluster {
  /** Node components by instance name: runtime-<node>, kubelet-<node>, kube-proxy-<node>. */
  readonly nodeProcesses = new Map<string, ComponentProcess>();
  readonly nodes = new Map<string, NodePlan>();
  private readonly clients: KubeClient[] = [];

  private constructor(
    readonly controlPlane: UpstreamControlPlane,
    readonly network: ClusterNetwork | undefined,
    readonly admin: KubeClient,
    readonly proxyMode: string,
  ) {
    this.clients.push(admin);
  }

  get adminKubeconfig(): string {
    return this.controlPlane.kubeconfigPath;
  }

  /** Nodes need root (they are network namespaces); without nodes the apiserver stays on loopback. */
  static async start(options: UpstreamClusterOptions = {}): Promise<UpstreamCluster> {
    const count = options.nodes ?? 3;
    const namespaces = await canBuildNamespaces();
    if (count > 0 && !namespaces) throw new Error('the upstream target\'s nodes are network namespaces: run as root with iproute2');
    const network = namespaces ? await ClusterNetwork.create() : undefined;
    let controlPlane: UpstreamControlPlane;
    try {
      controlPlane = await startUpstreamControlPlane({
        ...(options.binDir !== undefined ? { binDir: options.binDir } : {}),
        ...(options.log !== undefined ? { log: options.log } : {}),
        bindAddress: network?.hostAddress ?? '127.0.0.1',
        serviceClusterIpRange: UPSTREAM_SERVICE_CIDR,
        clusterCidr: UPSTREAM_CLUSTER_CIDR,
        // The reference cluster's node-lifecycle timing, so node scenarios take seconds on
        // both (upstream defaults: 40 s grace, 5 s period).
        controllerManagerArgs: ['--node-monitor-grace-period=10s', '--node-monitor-period=2s'],
      });
    } catch (error) {
      await network?.destroy();
      throw error;
    }
    const admin = new KubeClient(await connectionFromKubeconfig(controlPlane.kubeconfigPath));
    const cluster = new UpstreamCluster(controlPlane, network, admin, options.proxyMode ?? 'iptables');
    try {
      for (let i = 1; i <= count; i++) await cluster.addNode();
      if (count > 0) await markControlPlaneNode(admin, nodeName(1));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  private credentials(): NodeCredentials {
    const cp = this.controlPlane;
    return {
      kubeletKubeconfig: async (node) => (await cp.issueClient(`system:node:${node}`, ['system:nodes'])).kubeconfigPath,
      // One identity for every kube-proxy, as kubeadm's kube-proxy ServiceAccount is.
      proxyKubeconfig: async () => (await cp.issueClient('system:kube-proxy')).kubeconfigPath,
      kubeletServingCert: (node, address) => cp.issueServingCert(`kubelet-${node}`, `system:node:${node}`, [address], [node]),
    };
  }

  /** Adds a node (runtime, kubelet, kube-proxy in its own namespace) and returns its name. */
  async addNode(): Promise<string> {
    if (this.network === undefined) throw new Error('nodes of the upstream target are network namespaces: run as root');
    const index = this.nodes.size + 1;
    // Pod CIDRs are 10.244.<index>.0/24 and node addresses 10.250.<id>.<10+index>.
    if (index > 200) throw new Error('the upstream cluster has at most 200 nodes');
    const name = nodeName(index);
    const env: NodeEnvironment = {
      stateDir: this.controlPlane.stateDir,
      credentials: this.credentials(),
      network: this.network,
      proxyMode: this.proxyMode,
      ipvsScheduler: 'rr',
      admin: this.admin,
      cloudProvider: false,
    };
    const plan = await planNode(env, name, index);
    this.nodes.set(name, plan);
    const logs = join(this.controlPlane.stateDir, 'logs');
    await mkdir(logs, { recursive: true });
    for (const spec of await nodeComponents(env, plan)) {
      const component = new ComponentProcess(spec, logs);
      this.nodeProcesses.set(spec.name, component);
      await component.start();
    }
    return name;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    // Nodes first (in parallel, so a slow one costs its deadline once), then the control plane.
    await Promise.all([...this.nodeProcesses.values()].map((p) => p.stop().catch(() => undefined)));
    await this.controlPlane.stop();
    await this.network?.destroy();
  }
}
