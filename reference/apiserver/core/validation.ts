/**
 * Semantic validation as upstream's pkg/apis/<group>/validation does it for the rules
 * clients meet most: names, labels, selectors matching templates, ports, immutable
 * fields. Structural typing is checked separately against the JSON Schemas (schemas/api/).
 * Returns causes with field paths; the caller turns them into a 422 Invalid Status.
 */
import { fromSelectorObject, matchesLabels, type LabelSelectorObject } from './label-selector.ts';
import { nameError } from './name-rules.ts';
import { validateOtherKind, validateOtherUpdate } from './validation-kinds.ts';
import { configMapKey, dns1123Label, labelValue, qualifiedName } from './names.ts';
import type { ResourceInfo } from './resource-table.ts';
import type { StatusCause } from './status.ts';

type Obj = Record<string, unknown>;


function o(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(o) : [];
}
function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
}

class Causes {
  readonly list: StatusCause[] = [];
  invalid(field: string, value: unknown, detail: string): void {
    this.list.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${show(value)}: ${detail}` });
  }
  required(field: string, detail = ''): void {
    this.list.push({ reason: 'FieldValueRequired', field, message: `Required value${detail === '' ? '' : `: ${detail}`}` });
  }
  forbidden(field: string, detail: string): void {
    this.list.push({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
  }
  notSupported(field: string, value: unknown, allowed: readonly string[]): void {
    this.list.push({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${show(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}` });
  }
  duplicate(field: string, value: unknown): void {
    this.list.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${show(value)}` });
  }
}

function validateLabels(c: Causes, field: string, labels: unknown): void {
  for (const [k, v] of Object.entries(o(labels))) {
    const keyErr = qualifiedName(k);
    if (keyErr !== undefined) c.invalid(field, k, keyErr);
    if (typeof v !== 'string') c.invalid(`${field}.${k}`, v, 'must be a string');
    else {
      const valErr = labelValue(v);
      if (valErr !== undefined) c.invalid(field, v, valErr);
    }
  }
}

function validateMeta(c: Causes, info: ResourceInfo, obj: Obj): void {
  const meta = o(obj['metadata']);
  const name = meta['name'];
  if (typeof name !== 'string' || name === '') c.required('metadata.name', 'name or generateName is required');
  else {
    const err = nameError(info.kind, name, obj);
    if (err !== undefined) c.invalid('metadata.name', name, err);
  }
  const generateName = meta['generateName'];
  if (generateName !== undefined && typeof generateName !== 'string') c.invalid('metadata.generateName', generateName, 'must be a string');
  for (const [i, f] of (Array.isArray(meta['finalizers']) ? (meta['finalizers'] as unknown[]) : []).entries()) {
    const err = typeof f === 'string' ? qualifiedName(f) : 'must be a string';
    if (err !== undefined) c.invalid(`metadata.finalizers[${i}]`, f, err);
  }
  arr(meta['ownerReferences']).forEach((ref, i) => {
    for (const field of ['apiVersion', 'kind', 'name', 'uid']) if (typeof ref[field] !== 'string' || ref[field] === '') c.required(`metadata.ownerReferences[${i}].${field}`);
  });
  if (arr(meta['ownerReferences']).filter((ref) => ref['controller'] === true).length > 1) c.invalid('metadata.ownerReferences', meta['ownerReferences'], 'Only one reference can have Controller set to true');
  validateLabels(c, 'metadata.labels', meta['labels']);
  for (const k of Object.keys(o(meta['annotations']))) {
    const err = qualifiedName(k);
    if (err !== undefined) c.invalid('metadata.annotations', k, err);
  }
  if (JSON.stringify(meta['annotations'] ?? {}).length > 262144) c.list.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: must have at most 262144 bytes' });
}

function validPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

function validateContainers(c: Causes, field: string, containers: Obj[], required: boolean): void {
  if (required && containers.length === 0) c.required(field);
  const names = new Set<string>();
  containers.forEach((ct, i) => {
    const f = `${field}[${i}]`;
    const name = ct['name'];
    if (typeof name !== 'string' || name === '') c.required(`${f}.name`);
    else {
      const err = dns1123Label(name);
      if (err !== undefined) c.invalid(`${f}.name`, name, err);
      if (names.has(name)) c.duplicate(`${f}.name`, name);
      names.add(name);
    }
    if (typeof ct['image'] !== 'string' || ct['image'].trim() === '') c.required(`${f}.image`);
    arr(ct['ports']).forEach((p, j) => {
      if (!validPort(p['containerPort'])) c.invalid(`${f}.ports[${j}].containerPort`, p['containerPort'], 'must be between 1 and 65535, inclusive');
      if (p['protocol'] !== undefined && !['TCP', 'UDP', 'SCTP'].includes(String(p['protocol']))) c.notSupported(`${f}.ports[${j}].protocol`, p['protocol'], ['SCTP', 'TCP', 'UDP']);
    });
  });
}

export function validatePodSpec(c: Causes, field: string, spec: Obj): void {
  validateContainers(c, `${field}.containers`, arr(spec['containers']), true);
  validateContainers(c, `${field}.initContainers`, arr(spec['initContainers']), false);
  const rp = spec['restartPolicy'];
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(rp))) c.notSupported(`${field}.restartPolicy`, rp, ['Always', 'OnFailure', 'Never']);
  const grace = spec['terminationGracePeriodSeconds'];
  if (grace !== undefined && (typeof grace !== 'number' || grace < 0)) c.invalid(`${field}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0');
  validateLabels(c, `${field}.nodeSelector`, spec['nodeSelector']);
}

function validateWorkload(c: Causes, spec: Obj): void {
  const replicas = spec['replicas'];
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) c.invalid('spec.replicas', replicas, 'must be greater than or equal to 0');
  const selector = spec['selector'];
  const sel = o(selector);
  if (selector === undefined || (Object.keys(o(sel['matchLabels'])).length === 0 && arr(sel['matchExpressions']).length === 0)) {
    c.required('spec.selector');
    return;
  }
  validateLabels(c, 'spec.selector.matchLabels', sel['matchLabels']);
  const template = o(spec['template']);
  const labels = o(o(template['metadata'])['labels']) as Record<string, string>;
  if (!matchesLabels(fromSelectorObject(sel as LabelSelectorObject), labels)) c.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`');
  validateLabels(c, 'spec.template.metadata.labels', labels);
  validatePodSpec(c, 'spec.template.spec', o(template['spec']));
  const rp = o(template['spec'])['restartPolicy'];
  if (rp !== undefined && rp !== 'Always') c.notSupported('spec.template.spec.restartPolicy', rp, ['Always']);
}

function validateService(c: Causes, spec: Obj, nodePortRange: readonly [number, number]): void {
  const type = spec['type'] ?? 'ClusterIP';
  const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
  if (!types.includes(String(type))) c.notSupported('spec.type', type, types);
  const ports = arr(spec['ports']);
  if (ports.length === 0 && type !== 'ExternalName' && spec['clusterIP'] !== 'None') c.required('spec.ports');
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const f = `spec.ports[${i}]`;
    if (!validPort(p['port'])) c.invalid(`${f}.port`, p['port'], 'must be between 1 and 65535, inclusive');
    const tp = p['targetPort'];
    if (tp !== undefined && !(validPort(tp) || (typeof tp === 'string' && tp !== '' && dns1123Label(tp) === undefined && tp.length <= 15))) c.invalid(`${f}.targetPort`, tp, 'must contain at least one letter or number (a-z, 0-9), or be between 1 and 65535');
    if (ports.length > 1 && (typeof p['name'] !== 'string' || p['name'] === '')) c.required(`${f}.name`);
    if (typeof p['name'] === 'string') {
      if (names.has(p['name'])) c.duplicate(`${f}.name`, p['name']);
      names.add(p['name']);
    }
    const np = p['nodePort'];
    if (np !== undefined && np !== 0) {
      if (type === 'ClusterIP') c.forbidden(`${f}.nodePort`, 'may not be used when `type` is \'ClusterIP\'');
      else if (typeof np !== 'number' || np < nodePortRange[0] || np > nodePortRange[1]) c.invalid(`${f}.nodePort`, np, `provided port is not in the valid range. The range of valid ports is ${nodePortRange[0]}-${nodePortRange[1]}`);
    }
    if (p['protocol'] !== undefined && !['TCP', 'UDP', 'SCTP'].includes(String(p['protocol']))) c.notSupported(`${f}.protocol`, p['protocol'], ['SCTP', 'TCP', 'UDP']);
  });
  validateLabels(c, 'spec.selector', spec['selector']);
}

export interface ValidationContext {
  nodePortRange: readonly [number, number];
}

export function validateObject(info: ResourceInfo, obj: Obj, ctx: ValidationContext): StatusCause[] {
  const c = new Causes();
  validateMeta(c, info, obj);
  const spec = o(obj['spec']);
  switch (info.kind) {
    case 'Pod':
      validatePodSpec(c, 'spec', spec);
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      validateWorkload(c, spec);
      break;
    case 'Service':
      validateService(c, spec, ctx.nodePortRange);
      break;
    case 'ConfigMap':
    case 'Secret':
      for (const field of ['data', 'binaryData', 'stringData']) for (const k of Object.keys(o(obj[field]))) {
        const err = configMapKey(k);
        if (err !== undefined) c.invalid(`${field}[${k}]`, k, err);
      }
      if (info.kind === 'Secret') for (const [k, v] of Object.entries(o(obj['data']))) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) c.invalid(`data[${k}]`, '<secret contents redacted>', 'must be base64 encoded');
      }
      break;
    case 'RuntimeClass': {
      const handler = obj['handler'];
      if (typeof handler !== 'string' || handler === '') c.required('handler');
      else if (dns1123Label(handler) !== undefined) c.invalid('handler', handler, dns1123Label(handler) ?? '');
      break;
    }
    case 'RoleBinding':
    case 'ClusterRoleBinding': {
      const ref = o(obj['roleRef']);
      if (typeof ref['name'] !== 'string' || ref['name'] === '') c.required('roleRef.name');
      if (!['Role', 'ClusterRole'].includes(String(ref['kind']))) c.notSupported('roleRef.kind', ref['kind'], ['ClusterRole', 'Role']);
      break;
    }
    default:
      validateOtherKind(c, info.kind, obj, (field, podSpec) => validatePodSpec(c, field, podSpec));
  }
  return c.list;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Fields that may not change on update (immutable selectors, Service clusterIP, Pod spec). */
export function validateUpdate(info: ResourceInfo, oldObj: Obj, newObj: Obj): StatusCause[] {
  const c = new Causes();
  const oldSpec = o(oldObj['spec']);
  const newSpec = o(newObj['spec']);
  if ((info.kind === 'Deployment' || info.kind === 'ReplicaSet') && !same(oldSpec['selector'], newSpec['selector'])) c.invalid('spec.selector', newSpec['selector'], 'field is immutable');
  if (info.kind === 'Service' && oldSpec['clusterIP'] !== undefined && oldSpec['clusterIP'] !== '' && !same(oldSpec['clusterIP'], newSpec['clusterIP'])) c.invalid('spec.clusterIP', newSpec['clusterIP'], 'field is immutable');
  if (info.kind === 'Pod') {
    // Only images, activeDeadlineSeconds and added tolerations may change (ValidatePodUpdate).
    const strip = (s: Obj): Obj => {
      const copy = structuredClone(s);
      for (const list of ['containers', 'initContainers']) for (const ct of arr(copy[list])) delete ct['image'];
      delete copy['activeDeadlineSeconds'];
      delete copy['tolerations'];
      return copy;
    };
    if (!same(strip(oldSpec), strip(newSpec))) c.forbidden('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)');
  }
  if (info.kind === 'ConfigMap' || info.kind === 'Secret') {
    if (oldObj['immutable'] === true && (!same(oldObj['data'], newObj['data']) || !same(oldObj['binaryData'], newObj['binaryData']))) c.forbidden('data', 'field is immutable when `immutable` is set');
  }
  validateOtherUpdate(c, info.kind, oldObj, newObj);
  const oldNs = o(oldObj['metadata'])['namespace'];
  if (oldNs !== o(newObj['metadata'])['namespace']) c.invalid('metadata.namespace', o(newObj['metadata'])['namespace'], 'field is immutable');
  return c.list;
}
