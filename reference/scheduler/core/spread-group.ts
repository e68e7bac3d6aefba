/**
 * The set a Pod belongs to for spreading: Pods with the same controller (ownerReference with
 * controller=true), or, for bare Pods, the same namespace and labels. Kept apart from the
 * plugin so the snapshot can count sets per node as Pods are added (O(1) scoring per node).
 */
import type { Pod } from '../../client-machinery/core/api-types.ts';

export function spreadGroup(pod: Pod): string | undefined {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller === true);
  if (owner !== undefined) return `owner:${owner.uid}`;
  const labels = pod.metadata.labels;
  if (labels === undefined || Object.keys(labels).length === 0) return undefined;
  const sorted = Object.keys(labels).sort().map((k) => `${k}=${labels[k] ?? ''}`).join(',');
  return `labels:${pod.metadata.namespace ?? 'default'}:${sorted}`;
}
