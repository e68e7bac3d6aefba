/**
 * What a reconciler asks the shell to do. Reconcilers are pure: they read a snapshot and
 * return actions; the shell performs them through the API in order and records Events.
 */
import type { KubeObject, ObjectKey, PatchType } from '../../../src/ports/kube-api.ts';

export type Action =
  | { type: 'create'; object: KubeObject }
  | { type: 'update'; object: KubeObject }
  | { type: 'updateStatus'; object: KubeObject }
  | { type: 'patch'; key: ObjectKey; patch: unknown; patchType: PatchType; subresource?: 'status' }
  | { type: 'delete'; key: ObjectKey; uid?: string; propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' }
  | { type: 'event'; object: KubeObject; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export interface ReconcileResult {
  actions: Action[];
  /** Reconcile this key again after so long even without a change (deadlines, delays). */
  requeueAfterMs?: number;
}

export function objectKey(obj: KubeObject): ObjectKey {
  const key: ObjectKey = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? '' };
  if (obj.metadata.namespace !== undefined) key.namespace = obj.metadata.namespace;
  return key;
}

/** Kubernetes timestamps have second precision (metav1.Time). */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
