/**
 * The cloud provider interface (after k8s.io/cloud-provider's Interface, LoadBalancer and
 * InstancesV2): pluggable, every part optional. A cluster without a provider simply has no
 * load balancers: LoadBalancer Services stay pending and nothing else changes (S2.4).
 */
import type { Node } from '../../client-machinery/core/api-types.ts';
import type { Service } from '../../controller-manager/core/workload-types.ts';

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

export interface LoadBalancerStatus {
  ingress: LoadBalancerIngress[];
}

export interface LoadBalancer {
  /** The balancer's current status, or undefined if it does not exist. */
  getLoadBalancer(clusterName: string, service: Service): Promise<LoadBalancerStatus | undefined>;
  /** Creates or updates the balancer so it forwards the Service's ports to `nodes`' NodePorts. */
  ensureLoadBalancer(clusterName: string, service: Service, nodes: readonly Node[]): Promise<LoadBalancerStatus>;
  /** Only the backend set changed. */
  updateLoadBalancer(clusterName: string, service: Service, nodes: readonly Node[]): Promise<void>;
  /** Idempotent: deleting a balancer that does not exist succeeds. */
  ensureLoadBalancerDeleted(clusterName: string, service: Service): Promise<void>;
}

export interface Instances {
  /** The node's addresses as the cloud knows them (InternalIP, ExternalIP, Hostname...). */
  nodeAddresses(node: Node): Promise<{ type: string; address: string }[]>;
  /** The provider ID to record in spec.providerID. */
  providerId(node: Node): Promise<string>;
}

export interface CloudProvider {
  readonly name: string;
  loadBalancer(): LoadBalancer | undefined;
  instances(): Instances | undefined;
  /** Releases everything the provider runs (listeners, processes). */
  close(): Promise<void>;
}
