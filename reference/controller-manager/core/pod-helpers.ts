/** Pod predicates shared by the workload controllers (upstream pkg/controller and podutil). */
import type { OwnerReference } from '../../../src/ports/kube-api.ts';
import type { Pod } from '../../client-machinery/core/api-types.ts';

/** Neither finished nor being deleted: counts towards a controller's replicas. */
export function isActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined;
}

export function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Ready for at least minReadySeconds (upstream podutil.IsPodAvailable). */
export function isAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  if (ready === undefined) return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime === undefined ? 0 : Date.parse(ready.lastTransitionTime);
  return since + minReadySeconds * 1000 <= now;
}

export function controllerOf(obj: { metadata: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.controller === true);
}

export function restarts(pod: Pod): number {
  const statuses = (pod.status?.['containerStatuses'] as { restartCount?: number }[] | undefined) ?? [];
  return statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
}

/** controller.kubernetes.io/pod-deletion-cost: lower cost goes first; absent is 0. */
export function deletionCost(pod: Pod): number {
  const v = Number(pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? '0');
  return Number.isFinite(v) ? v : 0;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Deletion order for scale-down (upstream ActivePodsWithRanks.Less): unassigned before
 * assigned; Pending < Unknown < Running; not ready before ready; lower pod-deletion-cost
 * first; more Pods of this controller on the same node first; more restarts first; newer first.
 */
export function compareForDeletion(a: Pod, b: Pod, podsPerNode: ReadonlyMap<string, number>): number {
  const assigned = (p: Pod): number => ((p.spec.nodeName ?? '') === '' ? 0 : 1);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: Pod): number => PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: Pod): number => (isReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (deletionCost(a) !== deletionCost(b)) return deletionCost(a) - deletionCost(b);
  const crowd = (p: Pod): number => podsPerNode.get(p.spec.nodeName ?? '') ?? 0;
  if (crowd(a) !== crowd(b)) return crowd(b) - crowd(a);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Pod): string => p.metadata.creationTimestamp ?? '';
  if (created(a) !== created(b)) return created(a) > created(b) ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? 1 : -1;
}
