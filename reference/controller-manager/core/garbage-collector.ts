/**
 * Garbage collection by ownerReferences (upstream garbagecollector), as pure decisions:
 * - a dependent all of whose owners are gone (no object with that uid) is deleted, in the
 *   background;
 * - an owner being deleted with the foregroundDeletion finalizer has its dependents deleted
 *   first; once none with blockOwnerDeletion remain, the finalizer is removed;
 * - an owner being deleted with the orphan finalizer has its ownerReference removed from
 *   every dependent, then the finalizer is removed.
 * The apiserver sets those finalizers from the DeleteOptions propagationPolicy.
 */
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { objectKey, type Action } from './actions.ts';

export const FOREGROUND = 'foregroundDeletion';
export const ORPHAN = 'orphan';

/** "apiVersion/kind" of an owner reference or object. */
export function kindKey(x: { apiVersion: string; kind: string }): string {
  return `${x.apiVersion}/${x.kind}`;
}

/**
 * `watched` lists the kinds whose objects are all in `objects`: an owner of any other kind
 * can never be proven gone here, so its dependents are left alone.
 */
export function gcActions(objects: readonly KubeObject[], watched: ReadonlySet<string>): Action[] {
  const byUid = new Map<string, KubeObject>();
  for (const o of objects) if (o.metadata.uid !== undefined) byUid.set(o.metadata.uid, o);
  const dependents = new Map<string, KubeObject[]>();
  for (const o of objects) {
    for (const ref of o.metadata.ownerReferences ?? []) {
      let list = dependents.get(ref.uid);
      if (list === undefined) dependents.set(ref.uid, (list = []));
      list.push(o);
    }
  }
  const actions: Action[] = [];
  for (const o of objects) {
    const refs = o.metadata.ownerReferences ?? [];
    // Owners must live in the same namespace (or be cluster-scoped): look up by uid.
    if (refs.length > 0 && o.metadata.deletionTimestamp === undefined && refs.every((r) => watched.has(kindKey(r)) && !byUid.has(r.uid))) {
      actions.push({ type: 'delete', key: objectKey(o), uid: o.metadata.uid ?? '', propagationPolicy: 'Background' });
    }
  }
  for (const owner of objects) {
    if (owner.metadata.deletionTimestamp === undefined) continue;
    const finalizers = owner.metadata.finalizers ?? [];
    const uid = owner.metadata.uid ?? '';
    const deps = dependents.get(uid) ?? [];
    if (finalizers.includes(ORPHAN)) {
      for (const d of deps) {
        actions.push({ type: 'patch', key: objectKey(d), patchType: 'json', patch: [{ op: 'test', path: '/metadata/uid', value: d.metadata.uid }, { op: 'replace', path: '/metadata/ownerReferences', value: (d.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid) }] });
      }
      if (deps.length === 0) actions.push(removeFinalizer(owner, ORPHAN));
    } else if (finalizers.includes(FOREGROUND)) {
      for (const d of deps) if (d.metadata.deletionTimestamp === undefined) actions.push({ type: 'delete', key: objectKey(d), uid: d.metadata.uid ?? '', propagationPolicy: 'Foreground' });
      const blocking = deps.filter((d) => d.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion === true));
      if (blocking.length === 0) actions.push(removeFinalizer(owner, FOREGROUND));
    }
  }
  return actions;
}

function removeFinalizer(owner: KubeObject, name: string): Action {
  const finalizers = (owner.metadata.finalizers ?? []).filter((f) => f !== name);
  return { type: 'patch', key: objectKey(owner), patchType: 'json', patch: [{ op: 'test', path: '/metadata/finalizers', value: owner.metadata.finalizers }, { op: 'replace', path: '/metadata/finalizers', value: finalizers }] };
}
