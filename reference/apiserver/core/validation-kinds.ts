/**
 * Semantic validation of the kinds served for the upstream scheduler and controller-manager
 * (issue 9), the rules of their upstream Validate<Kind> functions that clients meet first:
 * required fields, selectors that match templates, ranges, mutually exclusive fields and
 * immutable fields. validation.ts calls these; the causes carry field paths.
 */
import { fromSelectorObject, matchesLabels, type LabelSelectorObject } from './label-selector.ts';
import { canonicalIp } from './name-rules.ts';

type Obj = Record<string, unknown>;

export interface CauseSink {
  invalid(field: string, value: unknown, detail: string): void;
  required(field: string, detail?: string): void;
  forbidden(field: string, detail: string): void;
  notSupported(field: string, value: unknown, allowed: readonly string[]): void;
}

function o(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(o) : [];
}
function nonNegativeInt(c: CauseSink, field: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) c.invalid(field, v, 'must be greater than or equal to 0');
}
function requiredString(c: CauseSink, field: string, v: unknown): void {
  if (typeof v !== 'string' || v === '') c.required(field);
}
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

function accessModes(c: CauseSink, field: string, v: unknown): void {
  const modes = Array.isArray(v) ? v : [];
  if (modes.length === 0) c.required(field, 'at least 1 access mode is required');
  for (const m of modes) if (!ACCESS_MODES.includes(String(m))) c.notSupported(field, m, ACCESS_MODES);
}

/** A Job's pod template: restartPolicy OnFailure or Never (Always would never complete). */
function jobTemplate(c: CauseSink, field: string, spec: Obj): void {
  nonNegativeInt(c, `${field}.parallelism`, spec['parallelism']);
  nonNegativeInt(c, `${field}.completions`, spec['completions']);
  nonNegativeInt(c, `${field}.backoffLimit`, spec['backoffLimit']);
  const rp = o(o(spec['template'])['spec'])['restartPolicy'];
  if (rp !== 'OnFailure' && rp !== 'Never') c.notSupported(`${field}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']);
  const selector = spec['selector'];
  if (selector !== undefined) {
    const labels = o(o(o(spec['template'])['metadata'])['labels']) as Record<string, string>;
    if (!matchesLabels(fromSelectorObject(o(selector) as LabelSelectorObject), labels)) c.invalid(`${field}.template.metadata.labels`, labels, '`selector` does not match template `labels`');
  }
}

function validCidr(text: string): boolean {
  const [ip, bits, extra] = text.split('/');
  if (ip === undefined || bits === undefined || extra !== undefined || !/^\d{1,3}$/.test(bits)) return false;
  return canonicalIp(ip) === undefined && Number(bits) <= (ip.includes(':') ? 128 : 32);
}

/** Kind-specific rules; `validatePodSpec` is passed in so templates are checked as Pods are. */
export function validateOtherKind(c: CauseSink, kind: string, obj: Obj, validatePodSpec: (field: string, spec: Obj) => void): void {
  const spec = o(obj['spec']);
  const name = String(o(obj['metadata'])['name'] ?? '');
  switch (kind) {
    case 'ReplicationController': {
      nonNegativeInt(c, 'spec.replicas', spec['replicas']);
      const selector = o(spec['selector']) as Record<string, string>;
      if (Object.keys(selector).length === 0) c.required('spec.selector');
      const template = spec['template'];
      if (template === undefined) {
        if (spec['replicas'] !== 0) c.required('spec.template');
        break;
      }
      const labels = o(o(o(template)['metadata'])['labels']) as Record<string, string>;
      if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) c.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`');
      validatePodSpec('spec.template.spec', o(o(template)['spec']));
      break;
    }
    case 'PodTemplate':
      validatePodSpec('template.spec', o(o(obj['template'])['spec']));
      break;
    case 'Job':
      jobTemplate(c, 'spec', spec);
      validatePodSpec('spec.template.spec', o(o(spec['template'])['spec']));
      break;
    case 'CronJob': {
      requiredString(c, 'spec.schedule', spec['schedule']);
      const policy = spec['concurrencyPolicy'];
      if (policy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(String(policy))) c.notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']);
      const job = o(o(spec['jobTemplate'])['spec']);
      jobTemplate(c, 'spec.jobTemplate.spec', job);
      validatePodSpec('spec.jobTemplate.spec.template.spec', o(o(job['template'])['spec']));
      break;
    }
    case 'PodDisruptionBudget':
      if (spec['minAvailable'] !== undefined && spec['maxUnavailable'] !== undefined) c.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set');
      break;
    case 'HorizontalPodAutoscaler': {
      const ref = o(spec['scaleTargetRef']);
      requiredString(c, 'spec.scaleTargetRef.kind', ref['kind']);
      requiredString(c, 'spec.scaleTargetRef.name', ref['name']);
      const max = spec['maxReplicas'];
      const min = typeof spec['minReplicas'] === 'number' ? spec['minReplicas'] : 1;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) c.invalid('spec.maxReplicas', max, 'must be greater than 0');
      else if (max < min) c.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`');
      break;
    }
    case 'PersistentVolumeClaim':
      accessModes(c, 'spec.accessModes', spec['accessModes']);
      if (o(o(spec['resources'])['requests'])['storage'] === undefined) c.required('spec.resources[storage]');
      break;
    case 'PersistentVolume':
      accessModes(c, 'spec.accessModes', spec['accessModes']);
      if (o(spec['capacity'])['storage'] === undefined) c.required('spec.capacity[storage]');
      break;
    case 'StorageClass':
      requiredString(c, 'provisioner', obj['provisioner']);
      break;
    case 'PriorityClass': {
      const value = obj['value'];
      if (typeof value !== 'number' || !Number.isInteger(value)) c.required('value');
      // Above one billion is reserved for the system classes (system-node-critical ...).
      else if (value > 1_000_000_000 && !name.startsWith('system-')) c.forbidden('value', 'maximum allowed value of a user defined priority is 1000000000');
      if (name.startsWith('system-') && !['system-node-critical', 'system-cluster-critical'].includes(name)) c.forbidden('metadata.name', 'priority class names with \'system-\' prefix are reserved for system use only');
      break;
    }
    case 'IPAddress': {
      const ref = o(spec['parentRef']);
      if (spec['parentRef'] === undefined) c.required('spec.parentRef');
      else {
        requiredString(c, 'spec.parentRef.resource', ref['resource']);
        requiredString(c, 'spec.parentRef.name', ref['name']);
      }
      break;
    }
    case 'ServiceCIDR': {
      const cidrs = Array.isArray(spec['cidrs']) ? (spec['cidrs'] as unknown[]) : [];
      if (cidrs.length === 0 || cidrs.length > 2) c.invalid('spec.cidrs', spec['cidrs'], 'at least one and no more than two CIDRs (one per IP family) are allowed');
      cidrs.forEach((x, i) => {
        if (typeof x !== 'string' || !validCidr(x)) c.invalid(`spec.cidrs[${i}]`, x, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)');
      });
      break;
    }
    case 'CertificateSigningRequest':
      requiredString(c, 'spec.request', spec['request']);
      requiredString(c, 'spec.signerName', spec['signerName']);
      break;
    case 'VolumeAttachment':
      requiredString(c, 'spec.attacher', spec['attacher']);
      requiredString(c, 'spec.nodeName', spec['nodeName']);
      if (Object.keys(o(spec['source'])).length === 0) c.required('spec.source');
      break;
    case 'ControllerRevision':
      nonNegativeInt(c, 'revision', obj['revision']);
      if (obj['revision'] === undefined) c.required('revision');
      break;
  }
}

/** Fields upstream's ValidateXUpdate refuses to change. */
export function validateOtherUpdate(c: CauseSink, kind: string, oldObj: Obj, newObj: Obj): void {
  const os = o(oldObj['spec']);
  const ns = o(newObj['spec']);
  const immutable = (field: string, a: unknown, b: unknown): void => {
    if (!same(a, b)) c.invalid(field, b, 'field is immutable');
  };
  switch (kind) {
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
      immutable('spec.selector', os['selector'], ns['selector']);
      break;
    case 'PersistentVolumeClaim': {
      // Only the requested size (growing) and the attributes class may change once bound or not.
      const strip = (s: Obj): Obj => {
        const copy = structuredClone(s);
        delete copy['resources'];
        delete copy['volumeAttributesClassName'];
        // The binder fills volumeName in once; from empty to a name is allowed.
        if (o(oldObj['spec'])['volumeName'] === undefined) delete copy['volumeName'];
        return copy;
      };
      if (!same(strip(os), strip(ns))) c.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
      break;
    }
    case 'StorageClass':
      for (const f of ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode']) immutable(f, oldObj[f], newObj[f]);
      break;
    case 'PriorityClass':
      immutable('value', oldObj['value'], newObj['value']);
      immutable('preemptionPolicy', oldObj['preemptionPolicy'], newObj['preemptionPolicy']);
      break;
    case 'IPAddress':
      immutable('spec.parentRef', os['parentRef'], ns['parentRef']);
      break;
    case 'ServiceCIDR': {
      // A single-stack ServiceCIDR may become dual-stack; existing CIDRs never change.
      const before = (Array.isArray(os['cidrs']) ? os['cidrs'] : []) as unknown[];
      const after = (Array.isArray(ns['cidrs']) ? ns['cidrs'] : []) as unknown[];
      if (!before.every((x, i) => after[i] === x)) c.invalid('spec.cidrs', ns['cidrs'], 'field is immutable');
      break;
    }
    case 'Node': {
      // As ValidateNodeUpdate: the node-ipam controller and the cloud provider may fill these
      // in once; after that a change would strand the Pods already addressed from them.
      const before = (Array.isArray(os['podCIDRs']) ? os['podCIDRs'] : []) as unknown[];
      if (before.length > 0 && !same(before, ns['podCIDRs'])) c.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid');
      else if (before.length === 0 && typeof os['podCIDR'] === 'string' && os['podCIDR'] !== '' && os['podCIDR'] !== ns['podCIDR']) c.forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid');
      if (typeof os['providerID'] === 'string' && os['providerID'] !== '' && os['providerID'] !== ns['providerID']) c.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid');
      break;
    }
    case 'VolumeAttachment':
    case 'CertificateSigningRequest':
      immutable('spec', os, ns);
      break;
  }
}
