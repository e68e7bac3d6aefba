// Pure-core tests for the resources served to the upstream scheduler and controller-manager
// (issue 9): the table, name rules, defaulting, validation, the events.k8s.io conversion,
// metadata-only negotiation and apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromStorage, toStorage } from '../core/conversion.ts';
import { nameError } from '../core/name-rules.ts';
import { prepareCreate, prepareUpdate } from '../core/object-lifecycle.ts';
import { wantsPartialMetadata } from '../core/partial-metadata.ts';
import { applyPatch, patchKindOf } from '../core/patch.ts';
import { rbacAllows } from '../core/authorizer.ts';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../core/bootstrap-policy.ts';
import { findResource, RESOURCES, storageOf, storedResources, type ResourceInfo } from '../core/resource-table.ts';
import { validateObject, validateUpdate } from '../core/validation.ts';

const clock = { nowIso: () => '2026-01-01T00:00:00Z', nowSeconds: () => 1767225600 };
const ctx = { nodePortRange: [30000, 32767] as const };
const info = (group: string, resource: string, version = 'v1'): ResourceInfo => {
  const found = findResource(group, version, resource);
  assert.ok(found !== undefined, `${group}/${version}/${resource} is served`);
  return found;
};
const create = (i: ResourceInfo, body: Record<string, unknown>, namespace: string | undefined = i.namespaced ? 'default' : undefined): Record<string, any> =>
  prepareCreate(i, body, { clock, uid: '11111111-2222-4333-8444-555555555555', suffix: 'abcde', namespace }) as Record<string, any>;
const fields = (i: ResourceInfo, o: Record<string, unknown>): string[] => validateObject(i, o, ctx).map((c) => c.field ?? '');

void test('every collection the upstream scheduler and controller-manager list is served, with its scope', () => {
  const expected: Array<[string, string, string, boolean]> = [
    ['', 'v1', 'replicationcontrollers', true], ['', 'v1', 'persistentvolumes', false], ['', 'v1', 'persistentvolumeclaims', true],
    ['', 'v1', 'limitranges', true], ['', 'v1', 'resourcequotas', true], ['', 'v1', 'podtemplates', true],
    ['apps', 'v1', 'statefulsets', true], ['apps', 'v1', 'daemonsets', true], ['apps', 'v1', 'controllerrevisions', true],
    ['batch', 'v1', 'jobs', true], ['batch', 'v1', 'cronjobs', true], ['autoscaling', 'v2', 'horizontalpodautoscalers', true],
    ['policy', 'v1', 'poddisruptionbudgets', true], ['events.k8s.io', 'v1', 'events', true],
    ['certificates.k8s.io', 'v1', 'certificatesigningrequests', false],
    ['networking.k8s.io', 'v1', 'ingresses', true], ['networking.k8s.io', 'v1', 'ingressclasses', false], ['networking.k8s.io', 'v1', 'networkpolicies', true],
    ['networking.k8s.io', 'v1', 'servicecidrs', false], ['networking.k8s.io', 'v1', 'ipaddresses', false],
    ['scheduling.k8s.io', 'v1', 'priorityclasses', false],
    ['storage.k8s.io', 'v1', 'storageclasses', false], ['storage.k8s.io', 'v1', 'csinodes', false], ['storage.k8s.io', 'v1', 'csidrivers', false],
    ['storage.k8s.io', 'v1', 'csistoragecapacities', true], ['storage.k8s.io', 'v1', 'volumeattachments', false],
    ['admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', false], ['admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', false],
    ['admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies', false], ['admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings', false],
    ['flowcontrol.apiserver.k8s.io', 'v1', 'flowschemas', false], ['flowcontrol.apiserver.k8s.io', 'v1', 'prioritylevelconfigurations', false],
    ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', false], ['apiregistration.k8s.io', 'v1', 'apiservices', false],
  ];
  for (const [group, version, resource, namespaced] of expected) assert.equal(info(group, resource, version).namespaced, namespaced, `${group}/${resource} namespaced`);
  const keys = RESOURCES.map((r) => `${r.group}/${r.version}/${r.resource}`);
  assert.equal(new Set(keys).size, keys.length, 'no resource twice');
  // The events.k8s.io view has no storage of its own: core Events are its storage.
  assert.equal(storageOf(info('events.k8s.io', 'events')), info('', 'events'));
  assert.ok(!storedResources().some((r) => r.group === 'events.k8s.io'));
});

void test('names follow each kind\'s upstream rule', () => {
  assert.equal(nameError('StorageClass', 'fast.ssd', {}), undefined);
  assert.match(nameError('StorageClass', 'Fast', {}) ?? '', /RFC 1123 subdomain/);
  assert.equal(nameError('PersistentVolume', 'Pv_1', {}), undefined, 'PV names are path segments');
  assert.match(nameError('PersistentVolume', 'a/b', {}) ?? '', /'\/'/);
  assert.equal(nameError('IPAddress', '10.0.0.1', {}), undefined);
  assert.equal(nameError('IPAddress', '2001:db8::1', {}), undefined);
  assert.match(nameError('IPAddress', '10.0.0.01', {}) ?? '', /canonical/);
  assert.match(nameError('IPAddress', '2001:DB8:0::1', {}) ?? '', /canonical/);
  assert.match(nameError('IPAddress', 'web', {}) ?? '', /canonical/);
  assert.equal(nameError('APIService', 'v1.example.com', { spec: { version: 'v1', group: 'example.com' } }), undefined);
  assert.match(nameError('APIService', 'example', { spec: { version: 'v1', group: 'example.com' } }) ?? '', /v1\.example\.com/);
  assert.equal(nameError('CustomResourceDefinition', 'widgets.example.com', { spec: { group: 'example.com', names: { plural: 'widgets' } } }), undefined);
  assert.match(nameError('Job', 'j'.repeat(64), {}) ?? '', /63/);
  assert.match(nameError('CronJob', 'c'.repeat(53), {}) ?? '', /52/);
  assert.equal(nameError('CronJob', 'c'.repeat(52), {}), undefined);
});

void test('metadata is validated for every kind: names, labels, finalizers, owner references', () => {
  const sc = info('storage.k8s.io', 'storageclasses');
  assert.deepEqual(fields(sc, { metadata: { name: 'ok' }, provisioner: 'example.com/p' }), []);
  assert.deepEqual(fields(sc, { metadata: {}, provisioner: 'x' }), ['metadata.name']);
  assert.deepEqual(fields(sc, { metadata: { name: 'ok', labels: { 'bad key!': 'v' } }, provisioner: 'x' }), ['metadata.labels']);
  assert.deepEqual(fields(sc, { metadata: { name: 'ok', finalizers: ['a/b/c'] }, provisioner: 'x' }), ['metadata.finalizers[0]']);
  const two = [{ apiVersion: 'v1', kind: 'X', name: 'a', uid: '1', controller: true }, { apiVersion: 'v1', kind: 'X', name: 'b', uid: '2', controller: true }];
  assert.deepEqual(fields(sc, { metadata: { name: 'ok', ownerReferences: two }, provisioner: 'x' }), ['metadata.ownerReferences']);
  assert.deepEqual(fields(sc, { metadata: { name: 'ok', ownerReferences: [{ kind: 'X', name: 'a' }] }, provisioner: 'x' }), ['metadata.ownerReferences[0].apiVersion', 'metadata.ownerReferences[0].uid']);
});

void test('defaults of the new kinds, status reset on create, generation and the Job selector', () => {
  const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } };
  const sts = create(info('apps', 'statefulsets'), { metadata: { name: 's' }, spec: { selector: { matchLabels: { app: 'a' } }, template }, status: { replicas: 9 } });
  assert.equal(sts.spec.replicas, 1);
  assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(sts.spec.template.spec.restartPolicy, 'Always');
  assert.deepEqual(sts.status, {}, 'the creator does not write status');
  assert.equal(sts.metadata.generation, 1);
  const ds = create(info('apps', 'daemonsets'), { metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'a' } }, template } });
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  const rc = create(info('', 'replicationcontrollers'), { metadata: { name: 'r' }, spec: { template } });
  assert.deepEqual(rc.spec.selector, { app: 'a' }, 'an RC selects its template labels by default');
  assert.deepEqual(rc.metadata.labels, { app: 'a' });
  const job = create(info('batch', 'jobs'), { metadata: { name: 'j' }, spec: { template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } });
  assert.equal(job.spec.backoffLimit, 6);
  assert.equal(job.spec.completions, 1);
  assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': '11111111-2222-4333-8444-555555555555' } });
  assert.equal(job.spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'j');
  assert.deepEqual(fields(info('batch', 'jobs'), job), []);
  const pvc = create(info('', 'persistentvolumeclaims'), { metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Bound' } });
  assert.equal(pvc.status.phase, 'Pending');
  assert.equal(pvc.spec.volumeMode, 'Filesystem');
  const sc = create(info('storage.k8s.io', 'storageclasses'), { metadata: { name: 'sc' }, provisioner: 'p' });
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'Immediate');
  const pc = create(info('scheduling.k8s.io', 'priorityclasses'), { metadata: { name: 'high' }, value: 1000 });
  assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');
  const np = create(info('networking.k8s.io', 'networkpolicies'), { metadata: { name: 'n' }, spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } });
  assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(np.spec.egress[0].ports[0].protocol, 'TCP');
  assert.equal(create(info('', 'persistentvolumes'), { metadata: { name: 'pv' }, spec: {} }).metadata.namespace, undefined, 'cluster-scoped');
});

void test('validation of the new kinds and their immutable fields', () => {
  const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } };
  assert.deepEqual(fields(info('apps', 'statefulsets'), { metadata: { name: 's' }, spec: { selector: { matchLabels: { app: 'b' } }, template } }), ['spec.template.metadata.labels']);
  assert.deepEqual(fields(info('', 'replicationcontrollers'), { metadata: { name: 'r' }, spec: { selector: { app: 'b' }, template } }), ['spec.template.metadata.labels']);
  assert.ok(fields(info('batch', 'jobs'), { metadata: { name: 'j' }, spec: { template } }).includes('spec.template.spec.restartPolicy'), 'a Job may not restart Always');
  assert.ok(fields(info('batch', 'cronjobs'), { metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } } } }).includes('spec.schedule'));
  assert.deepEqual(fields(info('policy', 'poddisruptionbudgets'), { metadata: { name: 'p' }, spec: { minAvailable: 1, maxUnavailable: 1 } }), ['spec']);
  assert.deepEqual(fields(info('', 'persistentvolumeclaims'), { metadata: { name: 'c' }, spec: {} }), ['spec.accessModes', 'spec.resources[storage]']);
  assert.deepEqual(fields(info('scheduling.k8s.io', 'priorityclasses'), { metadata: { name: 'huge' }, value: 2_000_000_000 }), ['value']);
  assert.deepEqual(fields(info('scheduling.k8s.io', 'priorityclasses'), { metadata: { name: 'system-mine' }, value: 1 }), ['metadata.name']);
  assert.deepEqual(fields(info('networking.k8s.io', 'servicecidrs'), { metadata: { name: 'k' }, spec: { cidrs: ['10.0.0.0/24', '2001:db8::/64'] } }), []);
  assert.deepEqual(fields(info('networking.k8s.io', 'servicecidrs'), { metadata: { name: 'k' }, spec: { cidrs: ['10.0.0.0/33'] } }), ['spec.cidrs[0]']);
  assert.deepEqual(fields(info('networking.k8s.io', 'ipaddresses'), { metadata: { name: '10.0.0.5' }, spec: { parentRef: { resource: 'services', name: 'web', namespace: 'default' } } }), []);
  assert.deepEqual(fields(info('networking.k8s.io', 'ipaddresses'), { metadata: { name: '10.0.0.5' }, spec: {} }), ['spec.parentRef']);
  const pcInfo = info('scheduling.k8s.io', 'priorityclasses');
  assert.deepEqual(validateUpdate(pcInfo, { metadata: { name: 'p' }, value: 1, preemptionPolicy: 'Never' }, { metadata: { name: 'p' }, value: 2, preemptionPolicy: 'Never' }).map((c) => c.field), ['value']);
  const sc = info('storage.k8s.io', 'storageclasses');
  assert.deepEqual(validateUpdate(sc, { metadata: { name: 's' }, provisioner: 'a' }, { metadata: { name: 's' }, provisioner: 'b' }).map((c) => c.field), ['provisioner']);
  const pvc = info('', 'persistentvolumeclaims');
  const claim = { metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
  assert.deepEqual(validateUpdate(pvc, claim, { ...claim, spec: { ...claim.spec, resources: { requests: { storage: '2Gi' } }, volumeName: 'pv1' } }), [], 'growing and binding are allowed');
  assert.deepEqual(validateUpdate(pvc, claim, { ...claim, spec: { ...claim.spec, accessModes: ['ReadWriteMany'] } }).map((c) => c.field), ['spec']);
  const nodes = info('', 'nodes');
  const bare = { metadata: { name: 'n' }, spec: {} };
  const allocated = { metadata: { name: 'n' }, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], providerID: 'kck://n' } };
  assert.deepEqual(validateUpdate(nodes, bare, allocated), [], 'pod CIDRs and the provider ID may be set once');
  assert.deepEqual(validateUpdate(nodes, allocated, { ...allocated, spec: { ...allocated.spec, unschedulable: true } }), [], 'other spec fields may change');
  assert.deepEqual(validateUpdate(nodes, allocated, { ...allocated, spec: { ...allocated.spec, podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] } }).map((c) => c.field), ['spec.podCIDRs']);
  assert.deepEqual(validateUpdate(nodes, allocated, { ...allocated, spec: { ...allocated.spec, podCIDRs: [] } }).map((c) => c.field), ['spec.podCIDRs']);
  assert.deepEqual(validateUpdate(nodes, allocated, { ...allocated, spec: { ...allocated.spec, providerID: 'kck://other' } }).map((c) => c.field), ['spec.providerID']);
});

void test('events.k8s.io/v1 Events convert to core/v1 Events and back', () => {
  const view = info('events.k8s.io', 'events');
  const e = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'p.1', namespace: 'default' }, eventTime: '2026-01-01T00:00:00.000000Z', reportingController: 'default-scheduler', reportingInstance: 'default-scheduler-x', action: 'Binding', reason: 'Scheduled', regarding: { kind: 'Pod', name: 'p', namespace: 'default' }, note: 'Successfully assigned default/p to n1', type: 'Normal' };
  const core = toStorage(view, e) as Record<string, any>;
  assert.equal(core.apiVersion, 'v1');
  assert.deepEqual(core.involvedObject, e.regarding);
  assert.equal(core.message, e.note);
  assert.equal(core.reportingComponent, 'default-scheduler');
  assert.equal(core.regarding, undefined);
  const stored = create(info('', 'events'), core);
  assert.equal(stored.count, undefined, 'an events.k8s.io Event has no legacy count');
  assert.deepEqual(fromStorage(view, stored as Record<string, unknown>), { ...e, metadata: stored.metadata });
});

void test('metadata-only Accept headers are recognized in order', () => {
  assert.equal(wantsPartialMetadata('application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'), 'list');
  assert.equal(wantsPartialMetadata('application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json'), 'object');
  assert.equal(wantsPartialMetadata('application/json, */*'), undefined);
  assert.equal(wantsPartialMetadata('application/json;as=Table;v=v1;g=meta.k8s.io,application/json'), undefined);
  assert.equal(wantsPartialMetadata(undefined), undefined);
});

void test('apply: a configuration merged onto the live object; managedFields are ignored; CSR approval writes conditions only', () => {
  assert.equal(patchKindOf('application/apply-patch+yaml'), 'apply');
  const live = { metadata: { name: 'k', labels: { a: '1' } }, spec: { cidrs: ['10.0.0.0/24'] }, status: {} };
  const applied = applyPatch('apply', live, { metadata: { name: 'k', managedFields: [{ manager: 'x' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }) as Record<string, any>;
  assert.deepEqual(applied.status.conditions, [{ type: 'Ready', status: 'True' }]);
  assert.deepEqual(applied.metadata, { name: 'k', labels: { a: '1' } });
  const csr = info('certificates.k8s.io', 'certificatesigningrequests');
  const old = { metadata: { name: 'c', uid: 'u' }, spec: { request: 'x', signerName: 's' }, status: { certificate: 'Y2VydA==' } };
  const { object } = prepareUpdate(csr, old, { metadata: { name: 'c' }, spec: { request: 'changed' }, status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'bm9wZQ==' } }, 'approval');
  assert.deepEqual(object['spec'], old.spec);
  assert.deepEqual(object['status'], { certificate: 'Y2VydA==', conditions: [{ type: 'Approved', status: 'True' }] });
});

void test('system:kube-scheduler may list what the upstream scheduler\'s informers list', () => {
  const state = { clusterRoles: bootstrapClusterRoles(), roles: [], clusterRoleBindings: bootstrapClusterRoleBindings(), roleBindings: [] };
  const user = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
  for (const [apiGroup, resource] of [['', 'persistentvolumes'], ['', 'replicationcontrollers'], ['apps', 'statefulsets'], ['policy', 'poddisruptionbudgets'], ['storage.k8s.io', 'csinodes'], ['storage.k8s.io', 'csistoragecapacities']] as const) {
    for (const verb of ['list', 'watch']) assert.ok(rbacAllows(state, { user, verb, path: '', resource: { apiGroup, resource, subresource: '', namespace: '', name: '' } }), `${verb} ${apiGroup}/${resource}`);
  }
  assert.ok(rbacAllows(state, { user, verb: 'create', path: '', resource: { apiGroup: 'events.k8s.io', resource: 'events', subresource: '', namespace: 'default', name: '' } }));
  assert.ok(!rbacAllows(state, { user, verb: 'delete', path: '', resource: { apiGroup: 'storage.k8s.io', resource: 'storageclasses', subresource: '', namespace: '', name: 'x' } }));
});
