/**
 * Endpoints and EndpointSlice for a Service with a selector (upstream endpoint and
 * endpointslice controllers): every Pod of the namespace that matches the selector, is not
 * terminal or being deleted, and has an IP is an endpoint; ready Pods are addresses, others
 * notReadyAddresses (or ready anyway with publishNotReadyAddresses). Named targetPorts are
 * resolved per Pod, so Pods naming a port differently land in different subsets / slices.
 */
import type { Pod } from '../../client-machinery/core/api-types.ts';
import { mapSelectorMatches } from '../../client-machinery/core/label-selector.ts';
import { isReady } from './pod-helpers.ts';
import type { Service, ServicePort } from './workload-types.ts';

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
}

export interface EndpointAddress {
  ip: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports: EndpointPort[];
}

/** The port of `pod` a Service port targets, or undefined if the Pod has no such named port. */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
  }
  return undefined;
}

export function selectedPods(svc: Service, pods: readonly Pod[]): Pod[] {
  const selector = svc.spec.selector;
  if (selector === undefined || Object.keys(selector).length === 0) return [];
  return pods
    .filter((p) => mapSelectorMatches(selector, p.metadata.labels))
    .filter((p) => p.metadata.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .filter((p) => (p.status?.podIP ?? '') !== '')
    .sort((a, b) => ((a.status?.podIP ?? '') < (b.status?.podIP ?? '') ? -1 : 1));
}

/** Groups of Pods that resolve the Service's ports to the same numbers. */
export function endpointGroups(svc: Service, pods: readonly Pod[]): { ports: EndpointPort[]; ready: Pod[]; notReady: Pod[] }[] {
  const groups = new Map<string, { ports: EndpointPort[]; ready: Pod[]; notReady: Pod[] }>();
  for (const pod of selectedPods(svc, pods)) {
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name !== undefined && sp.name !== '') ep.name = sp.name;
      ports.push(ep);
    }
    if (ports.length === 0 && (svc.spec.ports ?? []).length > 0) continue;
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    if (isReady(pod) || svc.spec.publishNotReadyAddresses === true) g.ready.push(pod);
    else g.notReady.push(pod);
  }
  return [...groups.values()];
}

function address(pod: Pod): EndpointAddress {
  const a: EndpointAddress = { ip: pod.status?.podIP ?? '', targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name, uid: pod.metadata.uid ?? '' } };
  if (pod.spec.nodeName !== undefined) a.nodeName = pod.spec.nodeName;
  return a;
}

export function desiredSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  return endpointGroups(svc, pods).map((g) => {
    const s: EndpointSubset = { ports: g.ports };
    if (g.ready.length > 0) s.addresses = g.ready.map(address);
    if (g.notReady.length > 0) s.notReadyAddresses = g.notReady.map(address);
    return s;
  });
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';

export interface SliceContent {
  addressType: 'IPv4' | 'IPv6';
  endpoints: { addresses: string[]; conditions: { ready: boolean; serving: boolean; terminating: boolean }; nodeName?: string; targetRef: EndpointAddress['targetRef'] }[];
  ports: EndpointPort[];
}

/** One slice body per port group; the shell maps them onto existing slices by position. */
export function desiredSlices(svc: Service, pods: readonly Pod[]): SliceContent[] {
  return endpointGroups(svc, pods).map((g) => ({
    addressType: 'IPv4',
    ports: g.ports,
    endpoints: [...g.ready.map((p) => [p, true] as const), ...g.notReady.map((p) => [p, false] as const)].map(([p, ready]) => {
      const a = address(p);
      const e: SliceContent['endpoints'][number] = { addresses: [a.ip], conditions: { ready, serving: ready, terminating: false }, targetRef: a.targetRef };
      if (a.nodeName !== undefined) e.nodeName = a.nodeName;
      return e;
    }),
  }));
}
