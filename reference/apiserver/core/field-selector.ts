/**
 * Field selectors (`?fieldSelector=`): only =, == and != on the fields each kind supports
 * (upstream registers them per resource; unknown fields are a 400, as there).
 */
import { errors } from './status.ts';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

const COMMON = ['metadata.name', 'metadata.namespace'];
const PER_KIND: Record<string, readonly string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Event: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  Secret: ['type'],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  ReplicaSet: ['status.replicas'],
};

export function parseFieldSelector(text: string, kind: string): FieldRequirement[] {
  if (text.trim() === '') return [];
  const allowed = [...COMMON, ...(PER_KIND[kind] ?? [])];
  return text.split(',').map((raw) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (m === null) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${raw}'`);
    const field = m[1] ?? '';
    if (!allowed.includes(field)) throw errors.badRequest(`field label not supported: ${field}`);
    return { field, op: m[2] === '!=' ? '!=' : '=', value: m[3] ?? '' };
  });
}

function fieldValue(obj: Record<string, unknown>, field: string): string {
  if (field === 'source') field = 'source.component';
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return field === 'spec.unschedulable' || field === 'spec.hostNetwork' ? 'false' : '';
  return String(cur);
}

export function matchesFields(reqs: readonly FieldRequirement[], obj: Record<string, unknown>): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '='));
}
