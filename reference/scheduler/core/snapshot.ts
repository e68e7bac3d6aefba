/**
 * The cluster as one scheduling cycle sees it (upstream framework.NodeInfo + Snapshot):
 * per node, its labels, allocatable, what bound Pods already request, and used host ports.
 * Built once from informer caches, then updated in place as the scheduler assumes Pods, so
 * a burst of Pods never sees a node as emptier than it is.
 */
import type { Node, Pod } from '../../client-machinery/core/api-types.ts';
import { spreadGroup } from './spread-group.ts';
import { emptyResources, nodeAllocatable, nonZeroRequests, podRequests, type Resources } from './resources.ts';

export interface HostPort {
  protocol: string;
  port: number;
  hostIP: string;
}

export interface NodeInfo {
  readonly name: string;
  readonly node: Node;
  readonly labels: Record<string, string>;
  readonly allocatable: Resources;
  readonly requested: Resources;
  readonly nonZeroRequested: { milliCpu: number; memory: number };
  readonly pods: Pod[];
  readonly usedPorts: HostPort[];
  /** Pods per spread group (see spread-group.ts) on this node. */
  readonly spreadCounts: Map<string, number>;
}

export interface Snapshot {
  readonly nodes: NodeInfo[];
  readonly byName: Map<string, NodeInfo>;
  /** Bound Pods that carry required anti-affinity: only they can veto a node for others. */
  readonly podsWithRequiredAntiAffinity: { pod: Pod; node: NodeInfo }[];
}

export function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      out.push({ protocol: p.protocol ?? 'TCP', port: p.hostPort, hostIP: p.hostIP ?? '0.0.0.0' });
    }
  }
  return out;
}

export function nodeInfo(node: Node): NodeInfo {
  return {
    name: node.metadata.name,
    node,
    labels: node.metadata.labels ?? {},
    allocatable: nodeAllocatable(node),
    requested: emptyResources(),
    nonZeroRequested: { milliCpu: 0, memory: 0 },
    pods: [],
    usedPorts: [],
    spreadCounts: new Map(),
  };
}

/** Terminal Pods no longer hold resources on their node. */
export function holdsResources(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** Adds a bound (or assumed) Pod to its node's accounting. */
export function addPod(snapshot: Snapshot, pod: Pod, nodeName: string): void {
  const info = snapshot.byName.get(nodeName);
  if (info === undefined || !holdsResources(pod)) return;
  const r = podRequests(pod);
  info.requested.milliCpu += r.milliCpu;
  info.requested.memory += r.memory;
  info.requested.pods += 1;
  for (const [k, v] of r.scalar) info.requested.scalar.set(k, (info.requested.scalar.get(k) ?? 0) + v);
  const nz = nonZeroRequests(pod);
  info.nonZeroRequested.milliCpu += nz.milliCpu;
  info.nonZeroRequested.memory += nz.memory;
  info.pods.push(pod);
  info.usedPorts.push(...hostPorts(pod));
  const group = spreadGroup(pod);
  if (group !== undefined) info.spreadCounts.set(group, (info.spreadCounts.get(group) ?? 0) + 1);
  if ((pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0) {
    snapshot.podsWithRequiredAntiAffinity.push({ pod, node: info });
  }
}

/** A snapshot of `nodes` with every Pod that names one of them accounted. */
export function buildSnapshot(nodes: readonly Node[], pods: readonly Pod[]): Snapshot {
  const infos = [...nodes].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0)).map(nodeInfo);
  const snapshot: Snapshot = { nodes: infos, byName: new Map(infos.map((i) => [i.name, i])), podsWithRequiredAntiAffinity: [] };
  for (const pod of pods) {
    const nodeName = pod.spec.nodeName;
    if (nodeName !== undefined && nodeName !== '') addPod(snapshot, pod, nodeName);
  }
  return snapshot;
}
