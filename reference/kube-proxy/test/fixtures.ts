/** Builders for Services and EndpointSlices used by the proxy's tests. */
import type { EndpointSlice, Service, ServicePort } from '../core/api-types.ts';

export function service(name: string, clusterIP: string, ports: ServicePort[], spec: Partial<NonNullable<Service['spec']>> = {}, namespace = 'ns1'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, ...spec } };
}

export interface EndpointSpec {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  node?: string;
}

export function slice(serviceName: string, ports: Array<{ name?: string; port: number; protocol?: 'TCP' | 'UDP' }>, endpoints: EndpointSpec[], sliceName = `${serviceName}-abc`, namespace = 'ns1'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      ...(e.node !== undefined ? { nodeName: e.node } : {}),
    })),
  };
}
