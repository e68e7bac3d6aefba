/**
 * The ReplicaSet reconciler (upstream pkg/controller/replicaset, syncReplicaSet): claim Pods
 * (adopt matching orphans, release owned Pods that no longer match), create or delete to
 * reach spec.replicas, and report status. Pure: given the ReplicaSet and the Pods of its
 * namespace, returns actions. The shell guards it with expectations so a second reconcile
 * before the informer shows the first one's Pods does not create twice.
 */
import type { Pod } from '../../client-machinery/core/api-types.ts';
import { selectorMatches } from '../../client-machinery/core/label-selector.ts';
import { objectKey, type Action } from './actions.ts';
import { compareForDeletion, controllerOf, isActive, isAvailable, isReady } from './pod-helpers.ts';
import type { ReplicaSet } from './workload-types.ts';

/** Upstream burstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetPlan {
  actions: Action[];
  creations: number;
  deletions: string[];
}

function ownerRef(rs: ReplicaSet): NonNullable<Pod['metadata']['ownerReferences']>[number] {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function podFromTemplate(rs: ReplicaSet): Pod {
  const t = rs.spec.template;
  const metadata: Pod['metadata'] = { name: '', generateName: `${rs.metadata.name}-`, namespace: rs.metadata.namespace, labels: { ...(t.metadata?.labels ?? {}) }, ownerReferences: [ownerRef(rs)] };
  if (t.metadata?.annotations !== undefined) metadata.annotations = { ...t.metadata.annotations };
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(t.spec) };
  delete (pod.metadata as { name?: string }).name;
  return pod;
}

/** Which Pods the ReplicaSet owns after claiming, and the adopt/release patches that implies. */
export function claimPods(rs: ReplicaSet, pods: readonly Pod[]): { owned: Pod[]; actions: Action[] } {
  const owned: Pod[] = [];
  const actions: Action[] = [];
  const uid = rs.metadata.uid ?? '';
  const deleting = rs.metadata.deletionTimestamp !== undefined;
  for (const pod of pods) {
    const ref = controllerOf(pod);
    const matches = selectorMatches(rs.spec.selector, pod.metadata.labels);
    if (ref !== undefined && ref.uid === uid) {
      if (matches) owned.push(pod);
      else if (!deleting) {
        // Release: keep the Pod, drop our controller reference (the Pod is orphaned).
        actions.push({ type: 'patch', key: objectKey(pod), patchType: 'json', patch: [{ op: 'test', path: '/metadata/uid', value: pod.metadata.uid }, { op: 'replace', path: '/metadata/ownerReferences', value: (pod.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid) }] });
      }
      continue;
    }
    if (ref !== undefined || !matches || deleting || pod.metadata.deletionTimestamp !== undefined) continue;
    // Adopt an orphan that matches our selector.
    actions.push({ type: 'patch', key: objectKey(pod), patchType: 'json', patch: [{ op: 'test', path: '/metadata/uid', value: pod.metadata.uid }, { op: 'add', path: '/metadata/ownerReferences', value: [...(pod.metadata.ownerReferences ?? []), ownerRef(rs)] }] });
    owned.push(pod);
  }
  return { owned, actions };
}

export function reconcileReplicaSet(rs: ReplicaSet, namespacePods: readonly Pod[], now: number): ReplicaSetPlan {
  const { owned, actions } = claimPods(rs, namespacePods);
  const active = owned.filter(isActive);
  const want = rs.spec.replicas ?? 1;
  let creations = 0;
  const deletions: string[] = [];
  if (rs.metadata.deletionTimestamp === undefined) {
    const diff = active.length - want;
    if (diff < 0) {
      creations = Math.min(-diff, BURST_REPLICAS);
      for (let i = 0; i < creations; i++) actions.push({ type: 'create', object: podFromTemplate(rs) });
    } else if (diff > 0) {
      const perNode = new Map<string, number>();
      for (const p of active) if ((p.spec.nodeName ?? '') !== '') perNode.set(p.spec.nodeName ?? '', (perNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
      const victims = [...active].sort((a, b) => compareForDeletion(a, b, perNode)).slice(0, Math.min(diff, BURST_REPLICAS));
      for (const v of victims) {
        deletions.push(v.metadata.uid ?? '');
        actions.push({ type: 'delete', key: objectKey(v), uid: v.metadata.uid ?? '' });
      }
    }
  }
  const minReady = rs.spec.minReadySeconds ?? 0;
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  const status = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
    readyReplicas: active.filter(isReady).length,
    availableReplicas: active.filter((p) => isAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  const old = rs.status ?? { replicas: 0 };
  if (old.replicas !== status.replicas || (old.fullyLabeledReplicas ?? 0) !== status.fullyLabeledReplicas || (old.readyReplicas ?? 0) !== status.readyReplicas || (old.availableReplicas ?? 0) !== status.availableReplicas || (old.observedGeneration ?? 0) !== status.observedGeneration) {
    actions.push({ type: 'updateStatus', object: { ...rs, status: { ...old, ...status } } });
  }
  return { actions, creations, deletions };
}
