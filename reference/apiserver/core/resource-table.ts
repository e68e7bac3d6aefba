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
  /**
   * Another group's view of a resource stored elsewhere: events.k8s.io/v1 Events are core
   * Events in etcd (/registry/events), converted on the way in and out, as upstream serves
   * one storage through both groups. The registry, list and watch run on the stored
   * resource; core/conversion.ts converts.
   */
  storedAs?: { group: string; version: string; resource: string };
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
  r('', 'v1', 'limitranges', 'LimitRange', true, ['limits']),
  r('', 'v1', 'resourcequotas', 'ResourceQuota', true, ['quota'], ['status']),
  r('', 'v1', 'persistentvolumes', 'PersistentVolume', false, ['pv'], ['status']),
  r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc'], ['status']),
  r('', 'v1', 'podtemplates', 'PodTemplate', true),
  r('', 'v1', 'replicationcontrollers', 'ReplicationController', true, ['rc'], ['status', 'scale'], true, ['all']),
  r('apps', 'v1', 'deployments', 'Deployment', true, ['deploy'], ['status', 'scale'], true, ['all']),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs'], ['status', 'scale'], true, ['all']),
  r('apps', 'v1', 'statefulsets', 'StatefulSet', true, ['sts'], ['status', 'scale'], true, ['all']),
  r('apps', 'v1', 'daemonsets', 'DaemonSet', true, ['ds'], ['status'], true, ['all']),
  r('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  r('batch', 'v1', 'jobs', 'Job', true, [], ['status'], true, ['all']),
  r('batch', 'v1', 'cronjobs', 'CronJob', true, ['cj'], ['status'], true, ['all']),
  r('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa'], ['status'], true, ['all']),
  r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb'], ['status'], true),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  { ...r('events.k8s.io', 'v1', 'events', 'Event', true, ['ev']), storedAs: { group: '', version: 'v1', resource: 'events' } },
  r('certificates.k8s.io', 'v1', 'certificatesigningrequests', 'CertificateSigningRequest', false, ['csr'], ['status', 'approval']),
  r('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, ['ing'], ['status'], true),
  r('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false),
  r('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, ['netpol'], [], true),
  r('networking.k8s.io', 'v1', 'servicecidrs', 'ServiceCIDR', false, [], ['status']),
  r('networking.k8s.io', 'v1', 'ipaddresses', 'IPAddress', false, ['ip']),
  r('node.k8s.io', 'v1', 'runtimeclasses', 'RuntimeClass', false),
  r('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, ['pc']),
  r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, ['sc']),
  r('storage.k8s.io', 'v1', 'csidrivers', 'CSIDriver', false),
  r('storage.k8s.io', 'v1', 'csinodes', 'CSINode', false),
  r('storage.k8s.io', 'v1', 'csistoragecapacities', 'CSIStorageCapacity', true),
  r('storage.k8s.io', 'v1', 'volumeattachments', 'VolumeAttachment', false, [], ['status']),
  r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  r('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  r('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false, [], [], true, ['api-extensions']),
  r('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false, [], [], true, ['api-extensions']),
  r('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies', 'ValidatingAdmissionPolicy', false, [], ['status'], true, ['api-extensions']),
  r('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings', 'ValidatingAdmissionPolicyBinding', false, [], [], true, ['api-extensions']),
  r('flowcontrol.apiserver.k8s.io', 'v1', 'flowschemas', 'FlowSchema', false, [], ['status']),
  r('flowcontrol.apiserver.k8s.io', 'v1', 'prioritylevelconfigurations', 'PriorityLevelConfiguration', false, [], ['status']),
  // Stored and listed only: no custom resources are served from them, and no aggregated
  // apiserver is proxied to (the controller-manager's garbage collector lists both).
  r('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, ['crd', 'crds'], ['status'], true, ['api-extensions']),
  r('apiregistration.k8s.io', 'v1', 'apiservices', 'APIService', false, [], ['status'], false, ['api-extensions']),
];

/** Resources with their own etcd prefix and watch cache (views such as events.k8s.io share another's). */
export function storedResources(): ResourceInfo[] {
  return RESOURCES.filter((x) => x.storedAs === undefined);
}

/** The resource whose storage serves `info` (itself, or what a view is stored as). */
export function storageOf(info: ResourceInfo): ResourceInfo {
  if (info.storedAs === undefined) return info;
  const s = info.storedAs;
  const found = RESOURCES.find((x) => x.group === s.group && x.version === s.version && x.resource === s.resource);
  if (found === undefined) throw new Error(`${info.group}/${info.resource} is stored as an unknown resource`);
  return found;
}

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
