/**
 * A target is a cluster (or a single component) under test: a set of port implementations
 * plus the capabilities it declares. Scenarios name the capabilities they need with tags
 * such as `@cap:etcd-cluster`; a scenario whose capability the target lacks is reported as
 * "not applicable" (the target can never offer it) or "not implemented yet" (the reference
 * will offer it but the part is not built), never as passed.
 */
import type { CriRuntimeFactory } from './cri.ts';
import type { EtcdClusterFactory } from './etcd.ts';
import type { Faults } from './faults.ts';
import type { KubeApi } from './kube-api.ts';
import type { Network } from './network.ts';
import type { Topology } from './topology.ts';

/** Capability names; the catalogue in features/claims.yaml uses the same words. */
export const CAPABILITIES = [
  'kube-api', // a Kubernetes API server to talk to
  'kubectl', // a real kubectl binary can drive the target
  'nodes', // worker nodes with kubelets that run Pods
  'scheduler',
  'controller-manager',
  'cloud-provider', // a cloud-controller-manager with a load-balancer provider
  'cloud-provider-faults', // the kit can make the cloud provider fail for one Service (reference loopback cloud)
  'no-cloud-provider', // a cluster without any cloud provider (S2.4)
  'cluster-network', // Pods get IPs, client Pods can dial Services and Pods
  'kube-proxy',
  'proxy-mode-userspace',
  'proxy-mode-iptables',
  'proxy-mode-ipvs',
  'proxy-mode-nftables', // beyond the slides: upstream's newest mode
  'etcd-cluster', // the kit can start etcd clusters of any size and inject faults into them
  'cri', // the kit can start a CRI runtime and talk to it directly
  'runtime-classes', // a sandboxed runtime handler behind a RuntimeClass
  'static-pods', // the kit can write into a kubelet's manifest folder
  'faults', // kill/restart components and isolate nodes
  'component-config', // the kit can see how each component is configured (flags)
  'apiserver-replicas', // several apiserver instances behind a load balancer
  'ha-control-plane', // several schedulers/controller-managers with leader election
  'authn', // the kit can mint credentials for users, nodes and components
  'apiserver-outage-recovery', // every component resumes once all apiservers come back (S3.4)
  'apiserver-failover', // one apiserver instance can be killed behind the load balancer and the cluster torn down after (S4.4)
] as const;

export type Capability = (typeof CAPABILITIES)[number];

export function isCapability(name: string): name is Capability {
  return (CAPABILITIES as readonly string[]).includes(name);
}

/** Where a target's component logs are read from. */
export interface ComponentLogs {
  /** The last `perSource` lines of each component's log that contain `needle`, each prefixed with its source. */
  linesNaming(needle: string, perSource: number): Promise<string[]>;
}

export interface StartedTarget {
  readonly kube: KubeApi;
  readonly topology: Topology | undefined;
  readonly faults: Faults | undefined;
  readonly network: Network | undefined;
  /** The components' logs, quoted in failed scenarios' reports; absent when the target keeps none. */
  readonly logs?: ComponentLogs;
  stop(): Promise<void>;
}

export interface Target {
  readonly name: string;
  /** One line for reports, e.g. "reference cluster, 3 nodes, iptables mode". */
  readonly description: string;
  readonly capabilities: ReadonlySet<Capability>;
  /** Capabilities the reference will have but which are not built yet, with a reason. */
  readonly pending: ReadonlyMap<Capability, string>;
  /** Starts etcd clusters for the scenarios of slide 5; needs no running cluster. */
  readonly etcdClusters?: EtcdClusterFactory;
  /** Starts CRI runtimes for the runtime scenarios; needs no running cluster. */
  readonly cri?: CriRuntimeFactory;
  /** Whether start() can make a cluster of its own for one disruptive scenario. */
  readonly privateClusters: boolean;
  /** Why a capability this target lacks can never be had here. */
  unavailableReason(capability: Capability): string;
  /**
   * Starts the target. `needs` are the capabilities of the scenario that asks for a private
   * cluster, so a target can shape it (e.g. several apiservers for `apiserver-replicas`).
   */
  start(needs?: readonly Capability[]): Promise<StartedTarget>;
}

/** Capabilities that a target offers only in clusters shaped for them (private clusters). */
export const SHAPE_CAPABILITIES: readonly Capability[] = ['apiserver-replicas', 'ha-control-plane', 'no-cloud-provider'];
