/**
 * Default RBAC objects, as upstream's bootstrap policy (plugin/pkg/auth/authorizer/rbac/
 * bootstrappolicy) creates them, cut down to what the kit's components need. Created in
 * etcd at start if absent, so `kubectl get clusterroles` shows them and admins may edit.
 */
import type { Binding, PolicyRule, Role } from './authorizer.ts';

type Stored = Role & { apiVersion: string; kind: string; metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> } };
type StoredBinding = Binding & { apiVersion: string; kind: string; metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> } };

const RBAC = 'rbac.authorization.k8s.io/v1';
const BOOTSTRAP = { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } };
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];

function role(name: string, rules: PolicyRule[]): Stored {
  return { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name, ...structuredClone(BOOTSTRAP) }, rules };
}
function bind(name: string, roleName: string, ...subjects: Array<{ kind: 'User' | 'Group'; name: string }>): StoredBinding {
  return { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name, ...structuredClone(BOOTSTRAP) }, roleRef: { kind: 'ClusterRole', name: roleName, apiGroup: 'rbac.authorization.k8s.io' } as Binding['roleRef'], subjects: subjects.map((s) => ({ ...s, apiGroup: 'rbac.authorization.k8s.io' })) };
}

const ALL_GROUPS = ['', 'apps', 'discovery.k8s.io', 'coordination.k8s.io', 'node.k8s.io'];

export function bootstrapClusterRoles(): Stored[] {
  return [
    role('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]),
    role('system:discovery', [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/version/', '/healthz', '/livez', '/readyz'], verbs: ['get'] }]),
    role('view', [{ apiGroups: ALL_GROUPS, resources: ['pods', 'pods/log', 'pods/status', 'services', 'endpoints', 'configmaps', 'events', 'deployments', 'deployments/scale', 'replicasets', 'replicasets/scale', 'endpointslices', 'serviceaccounts', 'namespaces', 'leases'], verbs: READ }]),
    role('edit', [{ apiGroups: ALL_GROUPS, resources: ['pods', 'pods/log', 'pods/eviction', 'services', 'endpoints', 'configmaps', 'secrets', 'events', 'deployments', 'deployments/scale', 'replicasets', 'replicasets/scale', 'endpointslices', 'serviceaccounts', 'leases'], verbs: [...READ, ...WRITE] }]),
    role('system:kube-scheduler', [
      { apiGroups: ['', 'apps', 'node.k8s.io', 'discovery.k8s.io'], resources: ['*'], verbs: READ },
      // What the upstream scheduler's informers list besides (system:kube-scheduler and
      // system:volume-scheduler upstream): PodDisruptionBudgets and the storage kinds.
      { apiGroups: ['policy', 'storage.k8s.io'], resources: ['*'], verbs: READ },
      { apiGroups: [''], resources: ['pods/binding', 'bindings'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['update', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update', 'list', 'watch'] },
    ]),
    // Upstream splits this over per-controller service accounts; one identity is enough here.
    role('system:kube-controller-manager', [
      { apiGroups: ALL_GROUPS, resources: ['*'], verbs: [...READ, ...WRITE] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['*'], verbs: READ },
    ]),
    role('system:cloud-controller-manager', [
      { apiGroups: [''], resources: ['nodes', 'nodes/status', 'services', 'services/status', 'events', 'endpoints', 'serviceaccounts', 'configmaps'], verbs: [...READ, ...WRITE] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...READ, ...WRITE] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
    ]),
    role('system:node-proxier', [
      { apiGroups: ['', 'discovery.k8s.io'], resources: ['services', 'endpoints', 'endpointslices', 'nodes'], verbs: READ },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] },
    ]),
  ];
}

export function bootstrapClusterRoleBindings(): StoredBinding[] {
  return [
    bind('cluster-admin', 'cluster-admin', { kind: 'Group', name: 'system:masters' }),
    bind('system:discovery', 'system:discovery', { kind: 'Group', name: 'system:authenticated' }),
    bind('system:kube-scheduler', 'system:kube-scheduler', { kind: 'User', name: 'system:kube-scheduler' }),
    bind('system:kube-controller-manager', 'system:kube-controller-manager', { kind: 'User', name: 'system:kube-controller-manager' }),
    // Both spellings of the cloud-controller-manager identity are in use.
    bind('system:cloud-controller-manager', 'system:cloud-controller-manager', { kind: 'User', name: 'cloud-controller-manager' }, { kind: 'User', name: 'system:cloud-controller-manager' }),
    bind('system:node-proxier', 'system:node-proxier', { kind: 'User', name: 'system:kube-proxy' }),
  ];
}
