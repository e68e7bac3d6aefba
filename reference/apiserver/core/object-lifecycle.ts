/**
 * What the registry does to an object on create, update and delete, before it reaches
 * storage (upstream: generic registry Store plus each kind's strategy): metadata ownership,
 * generation bumps, status/spec separation between the main resource and /status, graceful
 * deletion, finalizers and the apiserver side of propagationPolicy.
 */
import type { ResourceInfo } from './resource-table.ts';
import { groupVersion } from './resource-table.ts';
import { applyDefaults } from './defaulting.ts';
import { errors } from './status.ts';

type Obj = Record<string, unknown>;

export interface Clock {
  /** RFC 3339 timestamp with second precision, as Kubernetes serializes metav1.Time. */
  nowIso(): string;
  /** Seconds since the epoch. */
  nowSeconds(): number;
}

export interface CreateContext {
  clock: Clock;
  uid: string;
  /** Five characters from [bcdfghjklmnpqrstvwxz2456789], for generateName. */
  suffix: string;
  namespace: string | undefined;
}

function meta(o: Obj): Obj {
  const m = o['metadata'];
  if (typeof m === 'object' && m !== null && !Array.isArray(m)) return m as Obj;
  const fresh: Obj = {};
  o['metadata'] = fresh;
  return fresh;
}

/** Kinds whose status is only written through the /status subresource. */
export function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.includes('status');
}

function specOf(o: Obj): string {
  const copy: Obj = { ...o };
  delete copy['metadata'];
  delete copy['status'];
  delete copy['apiVersion'];
  delete copy['kind'];
  return JSON.stringify(copy);
}

/** Annotations in a comparable form: key order does not matter, absent equals empty. */
function annotationsOf(m: Obj): string {
  const a = (m['annotations'] ?? {}) as Record<string, unknown>;
  return JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]]));
}

export function prepareCreate(info: ResourceInfo, body: Obj, ctx: CreateContext): Obj {
  const o = structuredClone(body);
  o['apiVersion'] = groupVersion(info);
  o['kind'] = info.kind;
  const m = meta(o);
  if ((m['name'] === undefined || m['name'] === '') && typeof m['generateName'] === 'string' && m['generateName'] !== '') m['name'] = `${m['generateName']}${ctx.suffix}`;
  if (info.namespaced) {
    if (m['namespace'] !== undefined && m['namespace'] !== '' && m['namespace'] !== ctx.namespace)
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    m['namespace'] = ctx.namespace;
  } else delete m['namespace'];
  m['uid'] = ctx.uid;
  m['creationTimestamp'] = ctx.clock.nowIso();
  delete m['resourceVersion'];
  delete m['deletionTimestamp'];
  delete m['deletionGracePeriodSeconds'];
  delete m['selfLink'];
  delete m['managedFields'];
  if (info.hasGeneration || info.kind === 'Pod') m['generation'] = 1;
  else delete m['generation'];
  // Status of kinds with a status subresource belongs to controllers and kubelets, not to
  // the creator (each upstream strategy's PrepareForCreate resets it); a kubelet posts its
  // Node with a status, and Pods/Services/Namespaces get theirs below and in defaulting.
  if (hasStatusSubresource(info) && !['Node', 'Pod', 'Service', 'Namespace'].includes(info.kind)) o['status'] = {};
  if (info.kind === 'Job') generateJobSelector(o, ctx.uid, String(m['name'] ?? ''));
  if (info.kind === 'Service' || info.kind === 'Namespace') delete o['status'];
  if (info.kind === 'Pod') {
    const status = (o['status'] ?? {}) as Obj;
    o['status'] = { phase: 'Pending', ...(typeof status['qosClass'] === 'string' ? { qosClass: status['qosClass'] } : {}) };
  }
  applyDefaults(info.kind, o, true);
  return o;
}

/**
 * A Job without manualSelector selects its Pods by its own uid, and its template carries
 * the labels (upstream batch Job strategy, generateSelector): the Job controller relies on
 * both. With manualSelector the client's selector stays.
 */
function generateJobSelector(o: Obj, uid: string, name: string): void {
  const spec = (o['spec'] ??= {}) as Obj;
  if (spec['manualSelector'] === true) return;
  const template = (spec['template'] ??= {}) as Obj;
  const tm = (template['metadata'] ??= {}) as Obj;
  tm['labels'] = { ...((tm['labels'] ?? {}) as Obj), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

export interface UpdateResult {
  object: Obj;
  /** The update removed the last finalizer of an object being deleted: delete it now. */
  deleteNow: boolean;
}

/** Merges an update from a client into the stored object, as the kind's strategy does. */
export function prepareUpdate(info: ResourceInfo, old: Obj, body: Obj, subresource: 'status' | 'finalize' | 'approval' | undefined): UpdateResult {
  const oldMeta = meta(old);
  let o: Obj;
  if (subresource === 'approval') {
    // certificatesigningrequests/approval writes only the Approved/Denied conditions.
    o = structuredClone(old);
    const conditions = ((body['status'] ?? {}) as Obj)['conditions'];
    o['status'] = { ...((old['status'] ?? {}) as Obj), conditions: structuredClone(conditions ?? []) };
  } else if (subresource === 'status') {
    o = structuredClone(old);
    o['status'] = structuredClone(body['status']);
    // Upstream status strategies ignore metadata except for a few fields; we keep labels and
    // annotations from the request so kubelets can write both in one call.
    const bm = meta(body);
    if (bm['labels'] !== undefined) meta(o)['labels'] = structuredClone(bm['labels']);
    if (bm['annotations'] !== undefined) meta(o)['annotations'] = structuredClone(bm['annotations']);
  } else if (subresource === 'finalize') {
    o = structuredClone(old);
    const spec = (body['spec'] ?? {}) as Obj;
    (o['spec'] as Obj)['finalizers'] = structuredClone(spec['finalizers'] ?? []);
  } else {
    o = structuredClone(body);
    o['apiVersion'] = groupVersion(info);
    o['kind'] = info.kind;
    if (hasStatusSubresource(info) && info.kind !== 'Node') o['status'] = structuredClone(old['status']);
    applyDefaults(info.kind, o, false);
    if (info.kind === 'Namespace') o['spec'] = structuredClone(old['spec']);
  }
  const m = meta(o);
  for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name']) {
    if (oldMeta[k] === undefined) delete m[k];
    else m[k] = oldMeta[k];
  }
  delete m['managedFields'];
  delete m['selfLink'];
  // Deployments also count annotation changes (upstream: they are copied to the ReplicaSets),
  // which is why the deployment controller writes its revision annotation through /status.
  const bumps = specOf(old) !== specOf(o) || (info.kind === 'Deployment' && annotationsOf(oldMeta) !== annotationsOf(m));
  if ((info.hasGeneration || info.kind === 'Pod') && subresource === undefined && bumps) m['generation'] = (typeof oldMeta['generation'] === 'number' ? oldMeta['generation'] : 0) + 1;
  if (oldMeta['deletionTimestamp'] !== undefined) {
    const before = (oldMeta['finalizers'] as string[] | undefined) ?? [];
    const added = ((m['finalizers'] as string[] | undefined) ?? []).filter((f) => !before.includes(f));
    if (added.length > 0) throw errors.forbiddenMessage(`no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`);
  }
  return { object: o, deleteNow: readyToDelete(info, o) };
}

/** An object marked for deletion goes once nothing holds it any more. */
export function readyToDelete(info: ResourceInfo, o: Obj): boolean {
  const m = meta(o);
  if (m['deletionTimestamp'] === undefined) return false;
  if (((m['finalizers'] as unknown[] | undefined) ?? []).length > 0) return false;
  if (info.kind === 'Namespace') return (((o['spec'] as Obj | undefined)?.['finalizers'] as unknown[] | undefined) ?? []).length === 0;
  if (info.kind === 'Pod') return m['deletionGracePeriodSeconds'] === 0;
  return true;
}

export interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type DeleteDecision = { action: 'delete' } | { action: 'update'; object: Obj };

function timestampPlus(clock: Clock, seconds: number): string {
  return new Date((clock.nowSeconds() + seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function prepareDelete(info: ResourceInfo, current: Obj, options: DeleteOptionsBody, clock: Clock): DeleteDecision {
  const o = structuredClone(current);
  const m = meta(o);
  const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : undefined);
  if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy))
    throw errors.invalid('DeleteOptions', '', '', [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"` }]);
  const finalizers = [...((m['finalizers'] as string[] | undefined) ?? [])];
  if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
  if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
  if (finalizers.length > 0) m['finalizers'] = finalizers;

  let grace = 0;
  if (info.kind === 'Pod') {
    const spec = (o['spec'] ?? {}) as Obj;
    const phase = ((o['status'] ?? {}) as Obj)['phase'];
    const unscheduled = spec['nodeName'] === undefined || spec['nodeName'] === '';
    grace = options.gracePeriodSeconds ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
    // A pod no kubelet runs (unbound or finished) has nobody to confirm: delete at once.
    if (unscheduled || phase === 'Succeeded' || phase === 'Failed') grace = 0;
    const existing = m['deletionGracePeriodSeconds'];
    if (typeof existing === 'number' && existing < grace) grace = existing;
  }
  if (info.kind === 'Namespace') {
    if (m['deletionTimestamp'] === undefined) m['deletionTimestamp'] = clock.nowIso();
    m['deletionGracePeriodSeconds'] = 0;
    o['status'] = { ...((o['status'] ?? {}) as Obj), phase: 'Terminating' };
    return readyToDelete(info, o) ? { action: 'delete' } : { action: 'update', object: o };
  }
  if (grace === 0 && finalizers.length === 0) return { action: 'delete' };
  if (m['deletionTimestamp'] === undefined || grace < ((m['deletionGracePeriodSeconds'] as number | undefined) ?? Infinity)) {
    m['deletionTimestamp'] = timestampPlus(clock, grace);
    m['deletionGracePeriodSeconds'] = grace;
  }
  return { action: 'update', object: o };
}
