/**
 * Turns Services and EndpointSlices into the proxy's working table: one entry per service
 * port with the endpoints that serve it. This is what every data plane is rendered from.
 * Mirrors upstream pkg/proxy ServiceChangeTracker/EndpointsChangeTracker semantics:
 * - a service port is named "namespace/name:portName" (ServicePortName.String());
 * - headless (clusterIP None) and ExternalName services get no rules;
 * - an endpoint is used when ready (a missing ready condition means ready); when a service
 *   port has no ready endpoint, serving-and-terminating endpoints are used instead
 *   (KEP-1669), so a rollout's last old Pod keeps taking traffic while it drains;
 * - slice ports match the service port by name (targetPort already resolved by the
 *   EndpointSlice controller, possibly differently per slice).
 */
import type { EndpointSlice, Protocol, Service } from './api-types.ts';
import { SERVICE_NAME_LABEL } from './api-types.ts';

export interface ServicePortInfo {
  /** "namespace/name:portName" (portName may be empty), as upstream prints it. */
  name: string;
  namespace: string;
  service: string;
  portName: string;
  protocol: Protocol;
  clusterIPs: string[];
  port: number;
  nodePort: number | undefined;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** Set when sessionAffinity is ClientIP (default 10800 s, as upstream). */
  affinityTimeoutSeconds: number | undefined;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
}

export interface EndpointInfo {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName: string | undefined;
}

export interface ServicePortEntry {
  service: ServicePortInfo;
  /** All endpoints known for the port, sorted by address then port. */
  endpoints: EndpointInfo[];
}

const DEFAULT_AFFINITY_SECONDS = 10800;

export function servicePortName(namespace: string, service: string, portName: string): string {
  return `${namespace}/${service}:${portName}`;
}

export function serviceKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name ?? ''}`;
}

export function buildServicePortTable(services: readonly Service[], slices: readonly EndpointSlice[]): ServicePortEntry[] {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    if (slice.addressType !== undefined && slice.addressType !== 'IPv4') continue; // this proxy is IPv4 only
    const owner = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (owner === undefined) continue;
    const key = `${slice.metadata.namespace ?? 'default'}/${owner}`;
    const list = slicesByService.get(key) ?? [];
    list.push(slice);
    slicesByService.set(key, list);
  }
  const out: ServicePortEntry[] = [];
  const sorted = [...services].sort((a, b) => serviceKey(a).localeCompare(serviceKey(b)));
  for (const svc of sorted) {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') continue;
    const clusterIPs = (spec.clusterIPs ?? (spec.clusterIP !== undefined ? [spec.clusterIP] : [])).filter((ip) => ip !== '' && ip !== 'None' && !ip.includes(':'));
    if (clusterIPs.length === 0) continue; // headless or not yet allocated
    const namespace = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name ?? '';
    const isNodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    const affinity = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : undefined;
    const lbIPs = spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip !== undefined && i.ip !== '' ? [i.ip] : [])) : [];
    for (const port of spec.ports ?? []) {
      const protocol = port.protocol ?? 'TCP';
      const portName = port.name ?? '';
      const info: ServicePortInfo = {
        name: servicePortName(namespace, name, portName),
        namespace,
        service: name,
        portName,
        protocol,
        clusterIPs,
        port: port.port,
        nodePort: isNodePort && port.nodePort !== undefined && port.nodePort > 0 ? port.nodePort : undefined,
        externalIPs: [...(spec.externalIPs ?? [])],
        loadBalancerIPs: lbIPs,
        affinityTimeoutSeconds: affinity,
        externalPolicyLocal: isNodePort && spec.externalTrafficPolicy === 'Local',
        internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      };
      out.push({ service: info, endpoints: endpointsFor(slicesByService.get(`${namespace}/${name}`) ?? [], portName, protocol) });
    }
  }
  return out;
}

function endpointsFor(slices: readonly EndpointSlice[], portName: string, protocol: Protocol): EndpointInfo[] {
  const byKey = new Map<string, EndpointInfo>();
  for (const slice of slices) {
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (slicePort?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const c = ep.conditions ?? {};
      const ready = c.ready ?? true;
      const info: EndpointInfo = {
        ip: '',
        port: slicePort.port,
        ready,
        serving: c.serving ?? ready,
        terminating: c.terminating ?? false,
        nodeName: ep.nodeName,
      };
      // Upstream uses only the first address of an endpoint.
      const ip = ep.addresses[0];
      if (ip === undefined) continue;
      info.ip = ip;
      const key = `${ip}:${slicePort.port}`;
      const seen = byKey.get(key);
      // The same endpoint may appear in two slices during a slice rebalance: keep the readier one.
      if (seen === undefined || (!seen.ready && ready)) byKey.set(key, info);
    }
  }
  return [...byKey.values()].sort(compareEndpoints);
}

function ipNumber(ip: string): number {
  const parts = ip.split('.').map((p) => Number(p));
  return parts.length === 4 && parts.every((p) => Number.isInteger(p)) ? ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]! : 0;
}

function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return ipNumber(a.ip) - ipNumber(b.ip) || a.port - b.port;
}

/**
 * The endpoints that take traffic for a service port: ready ones, else serving-terminating
 * ones. `localOnly` restricts to endpoints on this node (externalTrafficPolicy Local).
 */
export function usableEndpoints(entry: ServicePortEntry, nodeName: string | undefined, localOnly: boolean): EndpointInfo[] {
  const candidates = localOnly ? entry.endpoints.filter((e) => e.nodeName !== undefined && e.nodeName === nodeName) : entry.endpoints;
  const ready = candidates.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return candidates.filter((e) => e.serving && e.terminating);
}

export { ipNumber };
