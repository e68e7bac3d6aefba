/**
 * Which rule metadata.name follows, per kind, as each upstream Validate<Kind> passes to
 * ValidateObjectMeta (k8s.io/kubernetes pkg/apis/<group>/validation):
 * - DNS-1123 label: Namespace, Service (their names become DNS labels);
 * - path segment (no "/", not "." or ".."): Node, RBAC objects, FlowSchema,
 *   PriorityLevelConfiguration, PersistentVolume, CertificateSigningRequest;
 * - a canonical IP address: IPAddress (networking.k8s.io/v1, the ClusterIP it holds);
 * - `<version>.<group>`: APIService; `<plural>.<group>`: CustomResourceDefinition;
 * - DNS-1123 subdomain: every other kind.
 * Some kinds add a length limit because the name ends up in a label value or a Pod name:
 * Job names are at most 63 characters, CronJob names at most 52 (the controller appends an
 * 11-character suffix).
 */
import { dns1123Label, dns1123Subdomain } from './names.ts';

const LABEL = new Set(['Namespace', 'Service']);
const SEGMENT = new Set(['Node', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'FlowSchema', 'PriorityLevelConfiguration', 'PersistentVolume', 'CertificateSigningRequest']);
const MAX_LENGTH: Record<string, number> = { Job: 63, CronJob: 52 };

function pathSegment(name: string): string | undefined {
  if (name === '.' || name === '..') return `may not be '${name}'`;
  if (name.includes('/')) return "may not contain '/'";
  if (name.includes('%')) return "may not contain '%'";
  return undefined;
}

/** Canonical form only: 10.0.0.1, 2001:db8::1 (no leading zeros, lower-case, shortest IPv6). */
export function canonicalIp(name: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  if (v4 !== null) {
    const ok = v4.slice(1).every((p) => String(Number(p)) === p && Number(p) <= 255);
    return ok ? undefined : 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff) in canonical form';
  }
  if (name.includes(':')) {
    try {
      // URL normalizes an IPv6 literal to its canonical (RFC 5952) form.
      const canonical = new URL(`http://[${name}]/`).hostname.slice(1, -1);
      if (canonical === name) return undefined;
    } catch {
      // not an address
    }
  }
  return 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff) in canonical form';
}

function groupQualified(name: string, first: unknown, group: unknown, what: string): string | undefined {
  const expected = `${String(first ?? '')}.${String(group ?? '')}`;
  return name === expected ? undefined : `must be ${what} (${expected})`;
}

/**
 * The error for a name of this kind, or undefined. `o` is the whole object, for the kinds
 * whose name is derived from their spec (APIService, CustomResourceDefinition).
 */
export function nameError(kind: string, name: string, o: Record<string, unknown>): string | undefined {
  const spec = (typeof o['spec'] === 'object' && o['spec'] !== null ? o['spec'] : {}) as Record<string, unknown>;
  if (LABEL.has(kind)) return dns1123Label(name);
  if (SEGMENT.has(kind)) return pathSegment(name);
  if (kind === 'IPAddress') return canonicalIp(name);
  if (kind === 'APIService') return groupQualified(name, spec['version'], spec['group'], 'spec.version+"."+spec.group');
  if (kind === 'CustomResourceDefinition') {
    const names = (typeof spec['names'] === 'object' && spec['names'] !== null ? spec['names'] : {}) as Record<string, unknown>;
    return groupQualified(name, names['plural'], spec['group'], 'spec.names.plural+"."+spec.group');
  }
  const max = MAX_LENGTH[kind];
  if (max !== undefined && name.length > max) return `must be no more than ${max} characters`;
  return dns1123Subdomain(name);
}
