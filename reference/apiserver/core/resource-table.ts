/**
 * The resources this apiserver serves, with what discovery and routing need to know about
 * each. Mirrors the facts of upstream's discovery documents (`kubectl api-resources`).
 */

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, lower case: the path segment and the etcd key segment. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  /** Subresources served besides the main resource (status, scale, binding, log, eviction, finalize). */
  subresources: readonly string[];
  categories?: readonly string[];
  /** Whether spec changes bump metadata.generation (upstream: kinds with a spec). */
  hasGeneration: boolean;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

function r(group: string, version: string, resource: string, kind: string, namespaced: boolean, shortNames: string[] = [], subresources: string[] = [], hasGeneration = false, categories?: string[]): ResourceInfo {
  const info: ResourceInfo = { group, version, resource, singular: kind.toLowerCase(), kind, namespaced, shortNames, subresources, hasGeneration };
  if (categories !== undefined) info.categories = categories;
  return info;
}

export const RESOURCES: readonly ResourceInfo[] = [
  r('', 'v1', 'namespaces', 'Namespace', false, ['ns'], ['status', 'finalize']),
  r('', 'v1', 'nodes', 'Node', false, ['no'], ['status']),
  r('', 'v1', 'pods', 'Pod', true, ['po'], ['status', 'binding', 'log', 'eviction'], false, ['all']),
  r('', 'v1', 'services', 'Service', true, ['svc'], ['status'], false, ['all']),
  r('', 'v1', 'endpoints', 'Endpoints', true, ['ep']),
  r('', 'v1', 'events', 'Event', true, ['ev']),
  r('', 'v1', 'configmaps', 'ConfigMap', true, ['cm']),
  r('', 'v1', 'secrets', 'Secret', true),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']),
  r('apps', 'v1', 'deployments', 'Deployment', true, ['deploy'], ['status', 'scale'], true, ['all']),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs'], ['status', 'scale'], true, ['all']),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  r('node.k8s.io', 'v1', 'runtimeclasses', 'RuntimeClass', false),
  r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  r('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
];

export function groupVersion(info: { group: string; version: string }): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => x.group === group && x.version === version && x.resource === resource);
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => groupVersion(x) === apiVersion && x.kind === kind);
}

/** Every group version served, core first, in the order discovery lists them. */
export function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const x of RESOURCES) seen.set(groupVersion(x), { group: x.group, version: x.version });
  return [...seen.values()];
}

/** etcd key layout: /registry/<resource>/<namespace>/<name>, or without the namespace. */
export function storageKey(prefix: string, info: ResourceInfo, namespace: string | undefined, name: string): string {
  return info.namespaced ? `${prefix}/${info.resource}/${namespace ?? ''}/${name}` : `${prefix}/${info.resource}/${name}`;
}

/** Prefix holding every object of a resource, or of a resource in one namespace. */
export function storagePrefix(prefix: string, info: ResourceInfo, namespace?: string): string {
  return info.namespaced && namespace !== undefined ? `${prefix}/${info.resource}/${namespace}/` : `${prefix}/${info.resource}/`;
}
