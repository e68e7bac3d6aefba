/**
 * Authorization decisions: RBAC (rbac.authorization.k8s.io/v1 rule matching, as
 * plugin/pkg/auth/authorizer/rbac does) and the Node authorizer (a kubelet may read what it
 * needs and change only its own Node, its own Lease and Pods bound to it). Pure: the shell
 * passes the roles and bindings it has, and for node checks the node a pod is bound to.
 */

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

export interface Attributes {
  user: UserInfo;
  verb: string;
  /** Resource request fields; absent for non-resource URLs. */
  resource?: { apiGroup: string; resource: string; subresource: string; namespace: string; name: string };
  path: string;
}

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
export interface Role {
  metadata: { name?: string; namespace?: string };
  rules?: PolicyRule[];
}
export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
export interface Binding {
  metadata: { name?: string; namespace?: string };
  subjects?: Subject[];
  roleRef: { kind: string; name: string };
}

export interface RbacState {
  clusterRoles: readonly Role[];
  roles: readonly Role[];
  clusterRoleBindings: readonly Binding[];
  roleBindings: readonly Binding[];
}

function has(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === value);
}

function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.resource === undefined) {
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  }
  const r = a.resource;
  if (!has(rule.apiGroups, r.apiGroup)) return false;
  const combined = r.subresource === '' ? r.resource : `${r.resource}/${r.subresource}`;
  const resources = rule.resources ?? [];
  const resourceOk = resources.some((x) => x === '*' || x === combined || (r.subresource !== '' && x === `*/${r.subresource}`) || (r.subresource === '' && x === r.resource));
  if (!resourceOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(r.name);
}

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  if (s.kind === 'User') return s.name === user.name;
  if (s.kind === 'Group') return user.groups.includes(s.name);
  if (s.kind === 'ServiceAccount') return user.name === `system:serviceaccount:${s.namespace ?? bindingNamespace ?? ''}:${s.name}`;
  return false;
}

export function rbacAllows(state: RbacState, a: Attributes): boolean {
  const find = (list: readonly Role[], name: string, ns?: string): Role | undefined => list.find((r) => r.metadata.name === name && (ns === undefined || r.metadata.namespace === ns));
  for (const b of state.clusterRoleBindings) {
    if (b.roleRef.kind !== 'ClusterRole' || !(b.subjects ?? []).some((s) => subjectMatches(s, a.user, undefined))) continue;
    if ((find(state.clusterRoles, b.roleRef.name)?.rules ?? []).some((rule) => ruleAllows(rule, a))) return true;
  }
  const ns = a.resource?.namespace ?? '';
  if (ns === '') return false;
  for (const b of state.roleBindings) {
    if (b.metadata.namespace !== ns || !(b.subjects ?? []).some((s) => subjectMatches(s, a.user, ns))) continue;
    const role = b.roleRef.kind === 'ClusterRole' ? find(state.clusterRoles, b.roleRef.name) : find(state.roles, b.roleRef.name, ns);
    if ((role?.rules ?? []).some((rule) => ruleAllows(rule, a))) return true;
  }
  return false;
}

export type NodeDecision = 'allow' | 'deny' | 'no-opinion';

const NODE_READ = new Set(['get', 'list', 'watch']);
const NODE_READABLE = new Set(['nodes', 'pods', 'services', 'endpoints', 'endpointslices', 'configmaps', 'secrets', 'runtimeclasses', 'leases', 'namespaces', 'serviceaccounts']);

/** The node a kubelet identity speaks for, or undefined for other users. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes('system:nodes') || !user.name.startsWith('system:node:')) return undefined;
  return user.name.slice('system:node:'.length);
}

/**
 * `podNode` is the node the addressed pod is bound to (for pod writes), or, for creates,
 * the node the new pod names (mirror pods).
 */
export function nodeAuthorize(a: Attributes, podNode?: string): NodeDecision {
  const node = nodeNameOf(a.user);
  if (node === undefined) return 'no-opinion';
  if (a.resource === undefined) return ['/api', '/apis', '/version', '/healthz', '/livez', '/readyz'].some((p) => a.path === p || a.path.startsWith(`${p}/`)) || a.path.startsWith('/openapi') ? 'allow' : 'deny';
  const r = a.resource;
  if (NODE_READ.has(a.verb) && NODE_READABLE.has(r.resource) && r.subresource === '') return 'allow';
  if (r.resource === 'events') return ['create', 'update', 'patch'].includes(a.verb) ? 'allow' : 'deny';
  if (r.resource === 'nodes') {
    if (a.verb === 'create') return 'allow'; // the name is checked on the object by the shell
    return r.name === node && ['update', 'patch', 'get', 'delete'].includes(a.verb) ? 'allow' : 'deny';
  }
  if (r.resource === 'leases' && r.apiGroup === 'coordination.k8s.io') {
    return r.namespace === 'kube-node-lease' && (r.name === node || a.verb === 'create') ? 'allow' : 'deny';
  }
  if (r.resource === 'pods') {
    if (['create', 'update', 'patch', 'delete'].includes(a.verb)) return podNode === node ? 'allow' : 'deny';
    if (r.subresource === 'eviction' && a.verb === 'create') return podNode === node ? 'allow' : 'deny';
  }
  return 'deny';
}
