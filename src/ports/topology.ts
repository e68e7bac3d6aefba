/** Topology: what a target runs, and where. */

export type ControlPlaneComponent = 'kube-apiserver' | 'etcd' | 'kube-scheduler' | 'kube-controller-manager' | 'cloud-controller-manager';
export type NodeComponent = 'kubelet' | 'container-runtime' | 'kube-proxy';

export interface ComponentInstance {
  component: ControlPlaneComponent | NodeComponent;
  /** Instance name, e.g. 'kube-apiserver-1'. */
  name: string;
  /** Node or machine it runs on. */
  host: string;
  /** Flags or config it was started with, where the target can tell (for S4.5/S4.6). */
  args?: readonly string[];
  /** Health endpoint, where it has one. */
  healthUrl?: string;
  /**
   * Base URLs the instance also serves at, for the other components rather than the kit (e.g.
   * an apiserver's address on a container network, where its kubeconfigs point).
   */
  serves?: readonly string[];
}

export interface NodeInfo {
  name: string;
  controlPlane: boolean;
  address: string;
}

export interface Topology {
  controlPlane(): Promise<ComponentInstance[]>;
  nodeComponents(node: string): Promise<ComponentInstance[]>;
  nodes(): Promise<NodeInfo[]>;
  /** kube-proxy mode in force ('userspace' | 'iptables' | 'ipvs' | 'nftables'). */
  proxyMode(): Promise<string>;
  /** Path of a kubeconfig for kubectl, with admin rights. */
  kubeconfigPath(): string;
  /** The folder a node's kubelet reads static Pod manifests from (--pod-manifest-path), where the kit can write. */
  staticPodPath?(node: string): string | undefined;
}
