/**
 * Node lifecycle (upstream nodelifecycle controller): a node whose kubelet has neither
 * renewed its Lease (kube-node-lease) nor posted status within the grace period gets every
 * condition set to Unknown; nodes are tainted from their Ready condition (NoSchedule for the
 * scheduler, NoExecute for eviction: node.kubernetes.io/not-ready when False, unreachable
 * when Unknown; unschedulable when cordoned); Pods on NoExecute-tainted nodes are deleted at
 * once if they do not tolerate the taint, or after the smallest tolerationSeconds.
 */
import type { Node, NodeCondition, Pod, Taint, Toleration } from '../../client-machinery/core/api-types.ts';
import { timestamp } from './actions.ts';

export const NOT_READY = 'node.kubernetes.io/not-ready';
export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** When the controller last saw the kubelet alive, on its own clock. */
export interface Probe {
  heartbeat: string;
  leaseRenew: string;
  at: number;
}

export function updateProbe(previous: Probe | undefined, node: Node, leaseRenew: string | undefined, now: number): Probe {
  const heartbeat = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime ?? '';
  const renew = leaseRenew ?? '';
  if (previous === undefined || previous.heartbeat !== heartbeat || previous.leaseRenew !== renew) return { heartbeat, leaseRenew: renew, at: now };
  return previous;
}

const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** New conditions if the grace period passed without a sign of life, else undefined. */
export function staleConditions(node: Node, probe: Probe, now: number, gracePeriodMs: number): NodeCondition[] | undefined {
  if (now - probe.at <= gracePeriodMs) return undefined;
  const conditions = node.status?.conditions ?? [];
  const t = timestamp(now);
  let changed = false;
  const out = conditions.map((c) => {
    if (!KUBELET_CONDITIONS.includes(c.type) || c.status === 'Unknown') return c;
    changed = true;
    return { ...c, status: 'Unknown' as const, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: t };
  });
  for (const type of KUBELET_CONDITIONS) {
    if (!out.some((c) => c.type === type)) {
      changed = true;
      out.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: t, lastTransitionTime: t });
    }
  }
  return changed ? out : undefined;
}

/** The node's taints with the controller-managed ones recomputed; undefined when unchanged. */
export function desiredTaints(node: Node, now: number): Taint[] | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
  const current = node.spec?.taints ?? [];
  const want: Taint[] = [];
  if (ready === 'False') want.push({ key: NOT_READY, effect: 'NoSchedule' }, { key: NOT_READY, effect: 'NoExecute' });
  if (ready === 'Unknown') want.push({ key: UNREACHABLE, effect: 'NoSchedule' }, { key: UNREACHABLE, effect: 'NoExecute' });
  if (node.spec?.unschedulable === true) want.push({ key: UNSCHEDULABLE, effect: 'NoSchedule' });
  const managed = (t: Taint): boolean => t.key === NOT_READY || t.key === UNREACHABLE || t.key === UNSCHEDULABLE;
  const kept = current.filter((t) => !managed(t) || want.some((w) => w.key === t.key && w.effect === t.effect));
  const added = want.filter((w) => !current.some((t) => t.key === w.key && t.effect === w.effect)).map((w) => (w.effect === 'NoExecute' ? { ...w, timeAdded: timestamp(now) } : w));
  if (added.length === 0 && kept.length === current.length) return undefined;
  return [...kept, ...added];
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/**
 * When a Pod on a node with these NoExecute taints must go: 'now', a time in ms, or
 * undefined (tolerated forever). The earliest tolerationSeconds among matching tolerations
 * counts from the taint's timeAdded (upstream taint manager).
 */
export function evictionTime(pod: Pod, taints: readonly Taint[]): 'now' | number | undefined {
  let earliest: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = (pod.spec.tolerations ?? []).filter((t) => tolerates(t, taint));
    if (matching.length === 0) return 'now';
    if (matching.some((t) => t.tolerationSeconds === undefined)) continue;
    const seconds = Math.max(0, Math.min(...matching.map((t) => t.tolerationSeconds ?? 0)));
    const added = taint.timeAdded === undefined ? 0 : Date.parse(taint.timeAdded);
    const at = added + seconds * 1000;
    if (earliest === undefined || at < earliest) earliest = at;
  }
  return earliest;
}
