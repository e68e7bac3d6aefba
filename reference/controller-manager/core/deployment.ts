/**
 * The Deployment reconciler (upstream pkg/controller/deployment): one ReplicaSet per Pod
 * template (labelled pod-template-hash), RollingUpdate bounded by maxSurge/maxUnavailable
 * counted on ReplicaSet spec.replicas (so the bounds hold whatever the Pods are doing),
 * Recreate, revision annotations and rollback (an old template coming back reuses its
 * ReplicaSet with a new revision), pause, old ReplicaSet clean-up by revisionHistoryLimit,
 * status with Available and Progressing conditions and progressDeadlineSeconds.
 * One step per reconcile, as upstream: scale up, or scale down, then status.
 */
import type { Pod } from '../../client-machinery/core/api-types.ts';
import { selectorMatches } from '../../client-machinery/core/label-selector.ts';
import { objectKey, timestamp, type Action, type ReconcileResult } from './actions.ts';
import { controllerOf, isActive } from './pod-helpers.ts';
import { canonicalJson, templateHash } from './template-hash.ts';
import type { Condition, Deployment, PodTemplate, ReplicaSet } from './workload-types.ts';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const HASH_LABEL = 'pod-template-hash';

export function resolveIntOrPercent(v: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const value = v ?? fallback;
  if (typeof value === 'number') return value;
  if (/^\d+$/.test(value)) return Number(value);
  const m = /^(\d+)%$/.exec(value);
  if (m === null) throw new Error(`invalid value ${value}`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxSurge rounds up, maxUnavailable down; both zero would deadlock, so unavailable becomes 1. */
export function surgeAndUnavailable(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate;
  const maxSurge = resolveIntOrPercent(ru?.maxSurge, replicas, true, '25%');
  let maxUnavailable = resolveIntOrPercent(ru?.maxUnavailable, replicas, false, '25%');
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

function stripHash(t: PodTemplate): unknown {
  const labels = { ...(t.metadata?.labels ?? {}) };
  delete labels[HASH_LABEL];
  return { ...t, metadata: { ...(t.metadata ?? {}), labels } };
}

function specReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 0;
}

function revisionOf(rs: ReplicaSet): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? '0') || 0;
}

function sum(list: readonly ReplicaSet[], f: (rs: ReplicaSet) => number): number {
  return list.reduce((s, rs) => s + f(rs), 0);
}

function ownerRef(d: Deployment): NonNullable<ReplicaSet['metadata']['ownerReferences']>[number] {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function scale(d: Deployment, rs: ReplicaSet, to: number, maxSurge: number): Action[] {
  const from = specReplicas(rs);
  if (from === to) return [];
  const annotations = { ...(rs.metadata.annotations ?? {}), [DESIRED_REPLICAS]: String(d.spec.replicas ?? 1), [MAX_REPLICAS]: String((d.spec.replicas ?? 1) + maxSurge) };
  return [
    { type: 'update', object: { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, replicas: to } } },
    { type: 'event', object: d, eventType: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}` },
  ];
}

function condition(type: string, status: Condition['status'], reason: string, message: string, now: number, previous: Condition | undefined): Condition {
  const t = timestamp(now);
  const same = previous !== undefined && previous.status === status && previous.reason === reason;
  return { type, status, reason, message, lastUpdateTime: same && previous.message === message ? (previous.lastUpdateTime ?? t) : t, lastTransitionTime: previous !== undefined && previous.status === status ? (previous.lastTransitionTime ?? t) : t };
}

export interface DeploymentSnapshot {
  deployment: Deployment;
  /** ReplicaSets and Pods of the Deployment's namespace. */
  replicaSets: readonly ReplicaSet[];
  pods: readonly Pod[];
  now: number;
}

export function reconcileDeployment({ deployment: d, replicaSets, pods, now }: DeploymentSnapshot): ReconcileResult {
  const actions: Action[] = [];
  if (d.metadata.deletionTimestamp !== undefined) return { actions };
  const uid = d.metadata.uid ?? '';
  // Claim ReplicaSets: ours, or matching orphans (adopted).
  const owned: ReplicaSet[] = [];
  for (const rs of replicaSets) {
    const ref = controllerOf(rs);
    if (ref?.uid === uid) owned.push(rs);
    else if (ref === undefined && rs.metadata.deletionTimestamp === undefined && selectorMatches(d.spec.selector, rs.spec.template.metadata?.labels)) {
      actions.push({ type: 'patch', key: objectKey(rs), patchType: 'json', patch: [{ op: 'test', path: '/metadata/uid', value: rs.metadata.uid }, { op: 'add', path: '/metadata/ownerReferences', value: [...(rs.metadata.ownerReferences ?? []), ownerRef(d)] }] });
      owned.push(rs);
    }
  }
  const replicas = d.spec.replicas ?? 1;
  const { maxSurge, maxUnavailable } = surgeAndUnavailable(d);
  const wanted = canonicalJson(stripHash(d.spec.template));
  let newRS = owned.find((rs) => canonicalJson(stripHash(rs.spec.template)) === wanted);
  const olds = owned.filter((rs) => rs !== newRS).sort((a, b) => ((a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? -1 : 1));
  const maxOldRevision = Math.max(0, ...olds.map(revisionOf));
  const paused = d.spec.paused === true;
  let createdNew: string | undefined;

  if (newRS === undefined && !paused) {
    const hash = templateHash(d.spec.template, d.status?.collisionCount ?? 0);
    const template: PodTemplate = structuredClone(d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
    const isRecreate = d.spec.strategy?.type === 'Recreate';
    // RollingUpdate: start at what the surge allows now; Recreate: 0 until the old Pods are gone.
    const current = sum(olds, specReplicas);
    const initial = isRecreate ? 0 : Math.max(0, Math.min(replicas, replicas + maxSurge - current));
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...(d.spec.template.metadata?.labels ?? {}), [HASH_LABEL]: hash },
        annotations: { [REVISION]: String(maxOldRevision + 1), [DESIRED_REPLICAS]: String(replicas), [MAX_REPLICAS]: String(replicas + maxSurge) },
        ownerReferences: [ownerRef(d)],
      },
      spec: { replicas: initial, minReadySeconds: d.spec.minReadySeconds ?? 0, selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [HASH_LABEL]: hash } }, template },
    };
    actions.push({ type: 'create', object: rs });
    if (initial > 0) actions.push({ type: 'event', object: d, eventType: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${rs.metadata.name} from 0 to ${initial}` });
    createdNew = rs.metadata.name;
    // The status still counts the old ReplicaSets: their Pods stay available while the new one starts.
    return { actions: [...actions, ...statusActions(d, [rs, ...olds], rs, now, { newRSName: createdNew, paused })], requeueAfterMs: 1000 };
  }

  // Rollback or re-used template: the ReplicaSet gets the next revision, remembering the old.
  if (newRS !== undefined && revisionOf(newRS) <= maxOldRevision) {
    const history = [newRS.metadata.annotations?.[REVISION_HISTORY], String(revisionOf(newRS))].filter((x) => x !== undefined && x !== '' && x !== '0').join(',');
    const annotations = { ...(newRS.metadata.annotations ?? {}), [REVISION]: String(maxOldRevision + 1), ...(history !== '' ? { [REVISION_HISTORY]: history } : {}) };
    const bumped: ReplicaSet = { ...newRS, metadata: { ...newRS.metadata, annotations } };
    actions.push({ type: 'update', object: bumped });
    actions.push({ type: 'event', object: d, eventType: 'Normal', reason: 'DeploymentRollback', message: `Rolled back deployment "${d.metadata.name}" to revision ${revisionOf(newRS)}` });
    return { actions, requeueAfterMs: 500 };
  }
  // The revision annotation goes with the status (upstream writes both through /status): an
  // annotation change on the main resource would bump the Deployment's generation.
  const revision = newRS !== undefined ? revisionOf(newRS) : maxOldRevision;
  const revisionAnnotation = revision > 0 ? String(revision) : undefined;

  const all = newRS !== undefined ? [newRS, ...olds] : olds;
  let step: Action[] = [];
  if (paused) {
    // Paused: only proportional scaling of the current state, no rollout progress.
    if (newRS !== undefined && olds.every((rs) => specReplicas(rs) === 0)) step = scale(d, newRS, replicas, maxSurge);
  } else if (newRS !== undefined && d.spec.strategy?.type === 'Recreate') {
    const oldActive = pods.filter((p) => isActive(p) && olds.some((rs) => controllerOf(p)?.uid === rs.metadata.uid));
    for (const rs of olds) step.push(...scale(d, rs, 0, maxSurge));
    if (step.length === 0 && oldActive.length === 0) step = scale(d, newRS, replicas, maxSurge);
  } else if (newRS !== undefined) {
    step = rollingStep(d, newRS, olds, replicas, maxSurge, maxUnavailable);
  }
  actions.push(...step);

  // Clean up old, empty ReplicaSets beyond revisionHistoryLimit (oldest revisions first).
  const limit = d.spec.revisionHistoryLimit ?? 10;
  const empty = olds.filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && rs.metadata.deletionTimestamp === undefined).sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of empty.slice(0, Math.max(0, empty.length - limit))) actions.push({ type: 'delete', key: objectKey(rs), uid: rs.metadata.uid ?? '' });

  const status = statusActions(d, all, newRS, now, { paused, ...(revisionAnnotation === undefined ? {} : { revisionAnnotation }) });
  const result: ReconcileResult = { actions: [...actions, ...status] };
  // Wake up for the progress deadline, and keep stepping while the rollout moves.
  const deadline = d.spec.progressDeadlineSeconds ?? 600;
  if (!paused && newRS !== undefined && !complete(d, all, newRS)) result.requeueAfterMs = Math.min(deadline * 1000, 5000);
  return result;
}

function complete(d: Deployment, all: readonly ReplicaSet[], newRS: ReplicaSet): boolean {
  const replicas = d.spec.replicas ?? 1;
  return (newRS.status?.replicas ?? 0) === replicas && (newRS.status?.availableReplicas ?? 0) === replicas && sum(all, (rs) => rs.status?.replicas ?? 0) === replicas && specReplicas(newRS) === replicas;
}

/** One RollingUpdate step: scale the new ReplicaSet up within maxSurge, else old ones down within maxUnavailable. */
export function rollingStep(d: Deployment, newRS: ReplicaSet, olds: readonly ReplicaSet[], replicas: number, maxSurge: number, maxUnavailable: number): Action[] {
  const all = [newRS, ...olds];
  // Scale up the new ReplicaSet (upstream NewRSNewReplicas).
  const current = sum(all, specReplicas);
  if (specReplicas(newRS) > replicas) return scale(d, newRS, replicas, maxSurge);
  if (specReplicas(newRS) < replicas && current < replicas + maxSurge) {
    const up = Math.min(replicas + maxSurge - current, replicas - specReplicas(newRS));
    return scale(d, newRS, specReplicas(newRS) + up, maxSurge);
  }
  // Scale down old ReplicaSets (upstream reconcileOldReplicaSets).
  const oldCount = sum(olds, specReplicas);
  if (oldCount === 0) return [];
  const minAvailable = replicas - maxUnavailable;
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  let maxScaledDown = current - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const actions: Action[] = [];
  const target = new Map<string, number>(olds.map((rs) => [rs.metadata.uid ?? rs.metadata.name, specReplicas(rs)]));
  // First drop old replicas that are not available anyway (they do not count for availability).
  for (const rs of olds) {
    if (maxScaledDown <= 0) break;
    const id = rs.metadata.uid ?? rs.metadata.name;
    const unavailable = (target.get(id) ?? 0) - (rs.status?.availableReplicas ?? 0);
    if (unavailable <= 0) continue;
    const down = Math.min(maxScaledDown, unavailable);
    target.set(id, (target.get(id) ?? 0) - down);
    maxScaledDown -= down;
  }
  // Then available ones, as long as availability stays at or above minAvailable.
  const available = sum(all, (rs) => rs.status?.availableReplicas ?? 0);
  let budget = Math.min(available - minAvailable, maxScaledDown);
  for (const rs of olds) {
    if (budget <= 0) break;
    const id = rs.metadata.uid ?? rs.metadata.name;
    const down = Math.min(target.get(id) ?? 0, budget);
    target.set(id, (target.get(id) ?? 0) - down);
    budget -= down;
  }
  for (const rs of olds) actions.push(...scale(d, rs, target.get(rs.metadata.uid ?? rs.metadata.name) ?? specReplicas(rs), maxSurge));
  return actions;
}

function statusActions(d: Deployment, all: readonly ReplicaSet[], newRS: ReplicaSet | undefined, now: number, opts: { newRSName?: string; paused: boolean; revisionAnnotation?: string }): Action[] {
  const replicas = d.spec.replicas ?? 1;
  const { maxUnavailable } = surgeAndUnavailable(d);
  const available = sum(all, (rs) => rs.status?.availableReplicas ?? 0);
  const prev = (type: string): Condition | undefined => d.status?.conditions?.find((c) => c.type === type);
  const availableCond = available >= replicas - maxUnavailable
    ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now, prev('Available'))
    : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now, prev('Available'));
  const name = opts.newRSName ?? newRS?.metadata.name ?? '';
  const before = prev('Progressing');
  let progressing: Condition;
  const counts = { replicas: sum(all, (rs) => rs.status?.replicas ?? 0), updatedReplicas: newRS?.status?.replicas ?? 0, readyReplicas: sum(all, (rs) => rs.status?.readyReplicas ?? 0), availableReplicas: available };
  const moved = d.status === undefined || counts.replicas !== (d.status.replicas ?? 0) || counts.updatedReplicas !== (d.status.updatedReplicas ?? 0) || counts.availableReplicas !== (d.status.availableReplicas ?? 0) || counts.readyReplicas !== (d.status.readyReplicas ?? 0);
  if (opts.paused) progressing = condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now, before);
  else if (opts.newRSName !== undefined) progressing = condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${name}"`, now, before);
  else if (newRS !== undefined && complete(d, all, newRS)) progressing = condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${name}" has successfully progressed.`, now, before);
  else {
    const deadlineMs = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
    const lastProgress = before?.lastUpdateTime === undefined ? now : Date.parse(before.lastUpdateTime);
    if (before?.reason === 'ProgressDeadlineExceeded' || (!moved && before !== undefined && before.reason !== 'DeploymentPaused' && before.reason !== 'NewReplicaSetAvailable' && now - lastProgress > deadlineMs)) {
      progressing = condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${name}" has timed out progressing.`, now, before);
    } else {
      const c = condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${name}" is progressing.`, now, before);
      // Any progress refreshes lastUpdateTime: the deadline counts from the last progress.
      if (moved || before?.reason !== 'ReplicaSetUpdated') c.lastUpdateTime = timestamp(now);
      progressing = c;
    }
  }
  const status = {
    ...(d.status ?? {}),
    observedGeneration: d.metadata.generation ?? 0,
    ...counts,
    unavailableReplicas: Math.max(0, replicas - available),
    conditions: [availableCond, progressing],
  };
  // The apiserver drops zero counts (omitempty): compare without them, or we would rewrite forever.
  const noZeros = (o: object): string => canonicalJson(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0)));
  const revision = opts.revisionAnnotation;
  const annotate = revision !== undefined && d.metadata.annotations?.[REVISION] !== revision;
  if (noZeros(status) === noZeros(d.status ?? {}) && !annotate) return [];
  const metadata = annotate ? { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), [REVISION]: revision } } : d.metadata;
  return [{ type: 'updateStatus', object: { ...d, metadata, status } }];
}
