/**
 * Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) into
 * JSON objects. kubectl 1.32+ sends typed-client writes (create deployment, create
 * namespace, ...) as protobuf and never falls back, so the server must read them. The
 * envelope is "k8s\0" + runtime.Unknown{typeMeta=1{apiVersion=1,kind=2}, raw=2}; the raw
 * bytes follow k8s.io/api's generated.proto field numbers, listed below for the kinds and
 * fields the kit serves (unknown fields are skipped). Go encodes every non-pointer field,
 * so zero values of non-pointer fields are dropped, as JSON's omitempty would.
 */
import { decodeWire, text, WireError, type WireField } from './protobuf-wire.ts';
import { errors } from './status.ts';

type Scalar = 'string' | 'int' | 'bool' | 'bytes';
interface FieldSpec {
  name: string;
  type: Scalar | `msg:${string}` | `map:${Scalar}` | 'map:quantity' | 'time' | 'intOrString' | 'quantity';
  repeated?: boolean;
  /** Pointer fields keep zero values (replicas: 0 means zero). */
  pointer?: boolean;
  /** An embedded struct whose fields JSON flattens into the parent (Probe's handler). */
  inline?: boolean;
}
type MessageSpec = Record<number, FieldSpec>;

const f = (name: string, type: FieldSpec['type'], extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type, ...extra });
const rep = { repeated: true };
const ptr = { pointer: true };

const MESSAGES: Record<string, MessageSpec> = {
  ObjectMeta: {
    1: f('name', 'string'), 2: f('generateName', 'string'), 3: f('namespace', 'string'), 5: f('uid', 'string'), 6: f('resourceVersion', 'string'),
    7: f('generation', 'int'), 8: f('creationTimestamp', 'time'), 9: f('deletionTimestamp', 'time'), 10: f('deletionGracePeriodSeconds', 'int', ptr),
    11: f('labels', 'map:string'), 12: f('annotations', 'map:string'), 13: f('ownerReferences', 'msg:OwnerReference', rep), 14: f('finalizers', 'string', rep),
  },
  OwnerReference: { 1: f('kind', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: f('controller', 'bool', ptr), 7: f('blockOwnerDeletion', 'bool', ptr) },
  LabelSelector: { 1: f('matchLabels', 'map:string'), 2: f('matchExpressions', 'msg:LabelSelectorRequirement', rep) },
  LabelSelectorRequirement: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('values', 'string', rep) },
  Deployment: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('spec', 'msg:DeploymentSpec') },
  DeploymentSpec: {
    1: f('replicas', 'int', ptr), 2: f('selector', 'msg:LabelSelector'), 3: f('template', 'msg:PodTemplateSpec'), 4: f('strategy', 'msg:DeploymentStrategy'),
    5: f('minReadySeconds', 'int'), 6: f('revisionHistoryLimit', 'int', ptr), 7: f('paused', 'bool'), 9: f('progressDeadlineSeconds', 'int', ptr),
  },
  DeploymentStrategy: { 1: f('type', 'string'), 2: f('rollingUpdate', 'msg:RollingUpdateDeployment') },
  RollingUpdateDeployment: { 1: f('maxUnavailable', 'intOrString'), 2: f('maxSurge', 'intOrString') },
  ReplicaSet: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('spec', 'msg:ReplicaSetSpec') },
  ReplicaSetSpec: { 1: f('replicas', 'int', ptr), 2: f('selector', 'msg:LabelSelector'), 3: f('template', 'msg:PodTemplateSpec'), 4: f('minReadySeconds', 'int') },
  PodTemplateSpec: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('spec', 'msg:PodSpec') },
  Pod: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('spec', 'msg:PodSpec') },
  PodSpec: {
    2: f('containers', 'msg:Container', rep), 3: f('restartPolicy', 'string'), 4: f('terminationGracePeriodSeconds', 'int', ptr), 5: f('activeDeadlineSeconds', 'int', ptr),
    6: f('dnsPolicy', 'string'), 7: f('nodeSelector', 'map:string'), 8: f('serviceAccountName', 'string'), 10: f('nodeName', 'string'), 11: f('hostNetwork', 'bool'),
    16: f('hostname', 'string'), 17: f('subdomain', 'string'), 19: f('schedulerName', 'string'), 20: f('initContainers', 'msg:Container', rep),
    22: f('tolerations', 'msg:Toleration', rep), 24: f('priorityClassName', 'string'), 25: f('priority', 'int', ptr), 29: f('runtimeClassName', 'string', ptr), 30: f('enableServiceLinks', 'bool', ptr),
  },
  Container: {
    1: f('name', 'string'), 2: f('image', 'string'), 3: f('command', 'string', rep), 4: f('args', 'string', rep), 5: f('workingDir', 'string'),
    6: f('ports', 'msg:ContainerPort', rep), 7: f('env', 'msg:EnvVar', rep), 8: f('resources', 'msg:ResourceRequirements'), 9: f('volumeMounts', 'msg:VolumeMount', rep),
    10: f('livenessProbe', 'msg:Probe'), 11: f('readinessProbe', 'msg:Probe'), 13: f('terminationMessagePath', 'string'), 14: f('imagePullPolicy', 'string'),
    16: f('stdin', 'bool'), 17: f('stdinOnce', 'bool'), 18: f('tty', 'bool'), 20: f('terminationMessagePolicy', 'string'), 22: f('startupProbe', 'msg:Probe'),
  },
  ContainerPort: { 1: f('name', 'string'), 2: f('hostPort', 'int'), 3: f('containerPort', 'int'), 4: f('protocol', 'string'), 5: f('hostIP', 'string') },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string') },
  ResourceRequirements: { 1: f('limits', 'map:quantity'), 2: f('requests', 'map:quantity') },
  VolumeMount: { 1: f('name', 'string'), 2: f('readOnly', 'bool'), 3: f('mountPath', 'string'), 4: f('subPath', 'string') },
  Toleration: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('value', 'string'), 4: f('effect', 'string'), 5: f('tolerationSeconds', 'int', ptr) },
  Probe: { 1: f('handler', 'msg:ProbeHandler', { inline: true }), 2: f('initialDelaySeconds', 'int'), 3: f('timeoutSeconds', 'int'), 4: f('periodSeconds', 'int'), 5: f('successThreshold', 'int'), 6: f('failureThreshold', 'int') },
  ProbeHandler: { 1: f('exec', 'msg:ExecAction'), 2: f('httpGet', 'msg:HTTPGetAction'), 3: f('tcpSocket', 'msg:TCPSocketAction') },
  ExecAction: { 1: f('command', 'string', rep) },
  HTTPGetAction: { 1: f('path', 'string'), 2: f('port', 'intOrString'), 3: f('host', 'string'), 4: f('scheme', 'string') },
  TCPSocketAction: { 1: f('port', 'intOrString'), 2: f('host', 'string') },
  Namespace: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('spec', 'msg:NamespaceSpec') },
  NamespaceSpec: { 1: f('finalizers', 'string', rep) },
  ConfigMap: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('data', 'map:string'), 3: f('binaryData', 'map:bytes'), 4: f('immutable', 'bool', ptr) },
  Secret: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('data', 'map:bytes'), 3: f('type', 'string'), 4: f('stringData', 'map:string'), 5: f('immutable', 'bool', ptr) },
  Service: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('spec', 'msg:ServiceSpec') },
  ServiceSpec: {
    1: f('ports', 'msg:ServicePort', rep), 2: f('selector', 'map:string'), 3: f('clusterIP', 'string'), 4: f('type', 'string'), 5: f('externalIPs', 'string', rep),
    7: f('sessionAffinity', 'string'), 10: f('externalName', 'string'), 11: f('externalTrafficPolicy', 'string'), 13: f('publishNotReadyAddresses', 'bool'),
  },
  ServicePort: { 1: f('name', 'string'), 2: f('protocol', 'string'), 3: f('port', 'int'), 4: f('targetPort', 'intOrString'), 5: f('nodePort', 'int') },
  ServiceAccount: { 1: f('metadata', 'msg:ObjectMeta'), 4: f('automountServiceAccountToken', 'bool', ptr) },
  Role: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('rules', 'msg:PolicyRule', rep) },
  ClusterRole: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('rules', 'msg:PolicyRule', rep) },
  PolicyRule: { 1: f('verbs', 'string', rep), 2: f('apiGroups', 'string', rep), 3: f('resources', 'string', rep), 4: f('resourceNames', 'string', rep), 5: f('nonResourceURLs', 'string', rep) },
  RoleBinding: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('subjects', 'msg:Subject', rep), 3: f('roleRef', 'msg:RoleRef') },
  ClusterRoleBinding: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('subjects', 'msg:Subject', rep), 3: f('roleRef', 'msg:RoleRef') },
  Subject: { 1: f('kind', 'string'), 2: f('apiGroup', 'string'), 3: f('name', 'string'), 4: f('namespace', 'string') },
  RoleRef: { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') },
  Eviction: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('deleteOptions', 'msg:DeleteOptions') },
  Binding: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('target', 'msg:ObjectReference') },
  ObjectReference: { 1: f('kind', 'string'), 2: f('namespace', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string') },
  DeleteOptions: { 1: f('gracePeriodSeconds', 'int', ptr), 3: f('orphanDependents', 'bool', ptr), 4: f('propagationPolicy', 'string', ptr) },
  Scale: { 1: f('metadata', 'msg:ObjectMeta'), 2: f('spec', 'msg:ScaleSpec') },
  ScaleSpec: { 1: f('replicas', 'int') },
};

function bytesToBase64(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

function int(v: bigint | Uint8Array): number {
  if (v instanceof Uint8Array) throw new WireError('expected a number');
  // int64/int32 fields are varints in two's complement.
  return Number(BigInt.asIntN(64, v));
}

function bytes(v: bigint | Uint8Array): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new WireError('expected bytes');
  return v;
}

function mapEntries(fields: WireField[], valueType: FieldSpec['type']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const entry = decodeWire(bytes(field.value));
    const k = entry.find((e) => e.field === 1);
    const v = entry.find((e) => e.field === 2);
    const key = k === undefined ? '' : text(k.value);
    if (valueType === 'map:bytes') out[key] = v === undefined ? '' : bytesToBase64(bytes(v.value));
    else if (valueType === 'map:quantity') out[key] = v === undefined ? '0' : quantity(bytes(v.value));
    else out[key] = v === undefined ? '' : text(v.value);
  }
  return out;
}

function quantity(b: Uint8Array): string {
  const s = decodeWire(b).find((e) => e.field === 1);
  return s === undefined ? '0' : text(s.value);
}

function time(b: Uint8Array): string | undefined {
  const fields = decodeWire(b);
  const seconds = fields.find((e) => e.field === 1);
  if (seconds === undefined) return undefined;
  return new Date(int(seconds.value) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function intOrString(b: Uint8Array): number | string {
  const fields = decodeWire(b);
  const type = fields.find((e) => e.field === 1);
  if (type !== undefined && int(type.value) === 1) {
    const s = fields.find((e) => e.field === 3);
    return s === undefined ? '' : text(s.value);
  }
  const i = fields.find((e) => e.field === 2);
  return i === undefined ? 0 : int(i.value);
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

function decodeMessage(name: string, buf: Uint8Array): Record<string, unknown> {
  const spec = MESSAGES[name];
  if (spec === undefined) throw new WireError(`no protobuf mapping for ${name}`);
  const out: Record<string, unknown> = {};
  const fields = decodeWire(buf);
  const byNumber = new Map<number, WireField[]>();
  for (const field of fields) byNumber.set(field.field, [...(byNumber.get(field.field) ?? []), field]);
  for (const [num, group] of byNumber) {
    const fs = spec[num];
    if (fs === undefined) continue;
    if (fs.type.startsWith('map:')) {
      const m = mapEntries(group, fs.type);
      if (Object.keys(m).length > 0) out[fs.name] = m;
      continue;
    }
    const values = group.map((g) => scalar(fs, g.value));
    if (fs.inline === true) {
      for (const v of values) Object.assign(out, v);
      continue;
    }
    if (fs.repeated === true) {
      out[fs.name] = values;
      continue;
    }
    const v = values[values.length - 1];
    if (v === undefined || (fs.pointer !== true && isZero(v))) continue;
    out[fs.name] = v;
  }
  return out;
}

function scalar(fs: FieldSpec, v: bigint | Uint8Array): unknown {
  switch (fs.type) {
    case 'string':
      return text(v);
    case 'int':
      return int(v);
    case 'bool':
      return int(v) !== 0;
    case 'bytes':
      return bytesToBase64(bytes(v));
    case 'time':
      return time(bytes(v));
    case 'intOrString':
      return intOrString(bytes(v));
    case 'quantity':
      return quantity(bytes(v));
    default:
      return decodeMessage(fs.type.slice(4), bytes(v));
  }
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

export function isKubeProtobuf(body: Uint8Array): boolean {
  return MAGIC.every((b, i) => body[i] === b);
}

/** Decodes an enveloped protobuf object into its JSON form (apiVersion, kind and fields). */
export function decodeKubeProtobuf(body: Uint8Array): Record<string, unknown> {
  if (!isKubeProtobuf(body)) throw errors.badRequest('the protobuf body does not start with the k8s\\0 envelope prefix');
  try {
    const unknown = decodeWire(body.subarray(4));
    const typeMeta = unknown.find((x) => x.field === 1);
    const raw = unknown.find((x) => x.field === 2);
    const tm = typeMeta === undefined ? [] : decodeWire(bytes(typeMeta.value));
    const apiVersion = text(tm.find((x) => x.field === 1)?.value ?? new Uint8Array());
    const kind = text(tm.find((x) => x.field === 2)?.value ?? new Uint8Array());
    if (MESSAGES[kind] === undefined) throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (kind ${kind})`);
    return { apiVersion, kind, ...decodeMessage(kind, raw === undefined ? new Uint8Array() : bytes(raw.value)) };
  } catch (e) {
    if (e instanceof WireError) throw errors.badRequest(`the server could not decode the protobuf body: ${e.message}`);
    throw e;
  }
}
