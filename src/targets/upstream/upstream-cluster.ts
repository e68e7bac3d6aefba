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
 * The mixed configuration "upstream apiserver + reference controllers" is this cluster with
 * the reference kube-scheduler (as system:kube-scheduler, so upstream RBAC judges it) and
 * kube-controller-manager (admin credentials: upstream gives its controllers one service
 * account each through TokenRequest, which the reference does not do) in place of upstream's.
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
import type { ControllerName } from '../reference/controller-flags.ts';
import { referenceControllerSpec, STANDBY_ELECTION_FLAGS } from '../reference/reference-controller-process.ts';
import { settleAll } from '../../process/settle-all.ts';
import { markControlPlaneNode, nodeComponents, removeNodeLeftovers, planNode, type NodeCredentials, type NodeEnvironment, type NodePlan } from '../reference/reference-nodes.ts';
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
  /** Whose kube-scheduler and kube-controller-manager run (default upstream's). */
  controllers?: 'upstream' | 'reference';
  /** kube-apiserver instances behind a load balancer (default 1). */
  apiservers?: number;
  /** kube-scheduler and kube-controller-manager instances each, electing a leader (default 1). */
  controllerReplicas?: number;
}

/** Node identities: the reference cluster's names, so scenarios read the same on both. */
const nodeName = (index: number): string => `node-${index}`;

export class UpstreamCluster {
  /** Node components by instance name: runtime-<node>, kubelet-<node>, kube-proxy-<node>. */
  readonly nodeProcesses = new Map<string, ComponentProcess>();
  readonly nodes = new Map<string, NodePlan>();
  /** The reference scheduler and controller-manager of the mixed configuration, by instance name. */
  readonly referenceControllers = new Map<string, ComponentProcess>();
  private readonly clients: KubeClient[] = [];

  private constructor(
    readonly controlPlane: UpstreamControlPlane,
    readonly network: ClusterNetwork | undefined,
    readonly admin: KubeClient,
    readonly proxyMode: string,
    private readonly log: ((line: string) => void) | undefined,
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
    const reference = options.controllers === 'reference';
    let controlPlane: UpstreamControlPlane;
    try {
      controlPlane = await startUpstreamControlPlane({
        ...(reference ? { scheduler: false, controllerManager: false } : {}),
        ...(options.binDir !== undefined ? { binDir: options.binDir } : {}),
        ...(options.log !== undefined ? { log: options.log } : {}),
        apiservers: options.apiservers ?? 1,
        controllerReplicas: options.controllerReplicas ?? 1,
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
    const cluster = new UpstreamCluster(controlPlane, network, admin, options.proxyMode ?? 'iptables', options.log);
    try {
      if (reference) await cluster.startReferenceControllers(options.controllerReplicas ?? 1);
      if (count > 0) await cluster.addNodes(count);
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

  /** Ready once each holds its leader-election Lease, the evidence the black-box topology uses. */
  private async startReferenceControllers(replicas: number): Promise<void> {
    const cp = this.controlPlane;
    const logs = join(cp.stateDir, 'logs');
    await mkdir(logs, { recursive: true });
    const scheduler = await cp.issueClient('system:kube-scheduler');
    const kinds: Array<{ controller: ControllerName; kubeconfig: string }> = [
      { controller: 'kube-scheduler', kubeconfig: scheduler.kubeconfigPath },
      { controller: 'kube-controller-manager', kubeconfig: cp.kubeconfigPath },
    ];
    const election = replicas > 1 ? STANDBY_ELECTION_FLAGS : [];
    const instances = kinds.flatMap((kind) => Array.from({ length: replicas }, (_, i) => ({ ...kind, instance: `${kind.controller}-${i + 1}` })));
    await settleAll(instances.map(async (kind) => {
      const component = new ComponentProcess(referenceControllerSpec({ controller: kind.controller, instance: kind.instance, kubeconfig: kind.kubeconfig, extraArgs: election, admin: this.admin }), logs);
      this.referenceControllers.set(component.spec.name, component);
      await component.start();
    }));
  }

  /** Adds a node (runtime, kubelet, kube-proxy in its own namespace) and returns its name. */
  async addNode(): Promise<string> {
    const [name] = await this.addNodes(1);
    return name as string;
  }

  /** Plans the nodes one after another (their routes name each other), then starts them side by side. */
  private async addNodes(count: number): Promise<string[]> {
    const network = this.network;
    if (network === undefined) throw new Error('nodes of the upstream target are network namespaces: run as root');
    const env: NodeEnvironment = {
      stateDir: this.controlPlane.stateDir,
      credentials: this.credentials(),
      network,
      proxyMode: this.proxyMode,
      ipvsScheduler: 'rr',
      admin: this.admin,
      cloudProvider: false,
    };
    const logs = join(this.controlPlane.stateDir, 'logs');
    await mkdir(logs, { recursive: true });
    const plans: NodePlan[] = [];
    for (let k = 0; k < count; k++) {
      const index = this.nodes.size + 1;
      // Pod CIDRs are 10.244.<index>.0/24 and node addresses 10.250.<id>.<10+index>.
      if (index > 200) throw new Error('the upstream cluster has at most 200 nodes');
      const plan = await planNode(env, nodeName(index), index);
      this.nodes.set(plan.name, plan);
      plans.push(plan);
    }
    await settleAll(plans.map(async (plan) => {
      for (const spec of await nodeComponents(env, plan)) {
        const component = new ComponentProcess(spec, logs);
        this.nodeProcesses.set(spec.name, component);
        await component.start();
      }
      this.log?.(`node ${plan.name} ready`);
    }));
    return plans.map((p) => p.name);
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    // Nodes first (in parallel, so a slow one costs its deadline once), then the control plane.
    await Promise.all([...this.nodeProcesses.values()].map((p) => p.stop().catch(() => undefined)));
    await Promise.all([...this.referenceControllers.values()].map((p) => p.stop().catch(() => undefined)));
    for (const node of this.nodes.values()) await removeNodeLeftovers(node);
    await this.controlPlane.stop();
    await this.network?.destroy();
  }
}
