// The resources served for the upstream scheduler and controller-manager (issue 9), through a
// reference apiserver process on a real etcd: the informer request shapes of
// upstream/observed-requests.md, CRUD on new cluster-scoped and namespaced kinds, the
// events.k8s.io view of core Events, metadata-only lists and watches, and apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../../src/targets/etcd/wait-until.ts';
import { TOKENS, call, startHarness } from './harness.ts';
import { openWatch } from './watch-client.ts';

type O = Record<string, any>;
const A = TOKENS.admin;
const METADATA_LIST = 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA = 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

void test('reference apiserver: what the upstream scheduler and controller-manager need', { timeout: 240_000 }, async (t) => {
  const h = await startHarness();
  t.after(() => h.stop());
  const [u] = h.urls as [string];
  const api = (method: string, path: string, body?: unknown, extra: { contentType?: string; accept?: string } = {}) => call(u, method, path, { token: A, body, ...extra });

  await t.test('every informer collection lists with limit=500&resourceVersion=0 and is announced with list,watch,delete', async () => {
    const collections = [
      '/api/v1/replicationcontrollers', '/api/v1/persistentvolumes', '/api/v1/persistentvolumeclaims', '/api/v1/limitranges', '/api/v1/resourcequotas', '/api/v1/podtemplates',
      '/apis/apps/v1/statefulsets', '/apis/apps/v1/daemonsets', '/apis/apps/v1/controllerrevisions', '/apis/batch/v1/jobs', '/apis/batch/v1/cronjobs',
      '/apis/autoscaling/v2/horizontalpodautoscalers', '/apis/policy/v1/poddisruptionbudgets', '/apis/events.k8s.io/v1/events',
      '/apis/certificates.k8s.io/v1/certificatesigningrequests', '/apis/networking.k8s.io/v1/ingresses', '/apis/networking.k8s.io/v1/ingressclasses',
      '/apis/networking.k8s.io/v1/networkpolicies', '/apis/networking.k8s.io/v1/ipaddresses', '/apis/networking.k8s.io/v1/servicecidrs',
      '/apis/scheduling.k8s.io/v1/priorityclasses', '/apis/storage.k8s.io/v1/storageclasses', '/apis/storage.k8s.io/v1/csinodes', '/apis/storage.k8s.io/v1/csidrivers',
      '/apis/storage.k8s.io/v1/csistoragecapacities', '/apis/storage.k8s.io/v1/volumeattachments',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
      '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings',
      '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas', '/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations',
    ];
    for (const c of collections) {
      const res = await api('GET', `${c}?limit=500&resourceVersion=0`);
      assert.equal(res.status, 200, `${c}: ${res.text}`);
      assert.ok(Array.isArray((res.body as O).items), c);
      const gv = c.split('/').slice(0, -1).join('/');
      const resources = ((await api('GET', gv)).body as O).resources as O[];
      const entry = resources.find((r) => r.name === c.split('/').pop());
      assert.ok(entry !== undefined, `${c} in discovery`);
      for (const verb of ['list', 'watch', 'delete', 'deletecollection', 'create']) assert.ok(entry.verbs.includes(verb), `${c} ${verb}`);
    }
    for (const c of ['/apis/apiextensions.k8s.io/v1/customresourcedefinitions', '/apis/apiregistration.k8s.io/v1/apiservices']) {
      const res = await api('GET', `${c}?limit=500&resourceVersion=0`, undefined, { accept: METADATA_LIST });
      assert.equal(res.status, 200, res.text);
      assert.equal((res.body as O).kind, 'PartialObjectMetadataList');
      assert.equal((res.body as O).apiVersion, 'meta.k8s.io/v1');
    }
    assert.equal((await api('GET', '/apis/events.k8s.io/v1')).status, 200, 'the scheduler checks the events API exists');
    const pcs = (await api('GET', '/apis/scheduling.k8s.io/v1/priorityclasses')).body as O;
    assert.deepEqual(pcs.items.map((p: O) => p.metadata.name).sort(), ['system-cluster-critical', 'system-node-critical']);
    const cidrs = (await api('GET', '/apis/networking.k8s.io/v1/servicecidrs/kubernetes')).body as O;
    assert.deepEqual(cidrs.spec.cidrs, ['10.96.0.0/24'], 'the default ServiceCIDR comes from --service-cluster-ip-range');
  });

  await t.test('a cluster-scoped and a namespaced new kind: CRUD in etcd, 404 in the wrong scope, 422 on bad names', async () => {
    const sc = await api('POST', '/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'example.com/fast' });
    assert.equal(sc.status, 201, sc.text);
    assert.equal((sc.body as O).reclaimPolicy, 'Delete');
    assert.equal((sc.body as O).metadata.namespace, undefined);
    assert.equal((await api('GET', '/apis/storage.k8s.io/v1/namespaces/default/storageclasses/fast')).status, 404, 'cluster-scoped');
    assert.equal((await api('POST', '/apis/storage.k8s.io/v1/storageclasses', { metadata: { name: 'Fast_1' }, provisioner: 'x' })).status, 422);
    const immutable = await api('PATCH', '/apis/storage.k8s.io/v1/storageclasses/fast', { provisioner: 'other' }, { contentType: 'application/merge-patch+json' });
    assert.equal(immutable.status, 422, immutable.text);
    const labelled = await api('PATCH', '/apis/storage.k8s.io/v1/storageclasses/fast', { metadata: { labels: { tier: 'gold' } } }, { contentType: 'application/merge-patch+json' });
    assert.equal(labelled.status, 200, labelled.text);
    const template = { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'db:1' }] } };
    const sts = await api('POST', '/apis/apps/v1/namespaces/default/statefulsets', { metadata: { name: 'db' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template } });
    assert.equal(sts.status, 201, sts.text);
    assert.equal((sts.body as O).metadata.generation, 1);
    const scaled = await api('PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db/scale', { spec: { replicas: 3 } }, { contentType: 'application/merge-patch+json' });
    assert.equal(scaled.status, 200, scaled.text);
    assert.equal((scaled.body as O).status.selector, 'app=db');
    const got = (await api('GET', '/apis/apps/v1/namespaces/default/statefulsets/db')).body as O;
    assert.equal(got.spec.replicas, 3);
    assert.equal(got.metadata.generation, 2);
    const status = await api('PUT', '/apis/apps/v1/namespaces/default/statefulsets/db/status', { ...got, status: { replicas: 3, observedGeneration: 2 } });
    assert.equal(status.status, 200, status.text);
    assert.equal((status.body as O).status.replicas, 3);
    assert.equal((await api('DELETE', '/apis/apps/v1/namespaces/default/statefulsets/db/status')).status, 405);
    assert.equal((await api('DELETE', '/apis/apps/v1/namespaces/default/statefulsets/db')).status, 200);
    assert.equal((await api('GET', '/apis/apps/v1/namespaces/default/statefulsets/db')).status, 404);
  });

  await t.test('list chunking and selectors on a new kind', async () => {
    for (const n of [1, 2, 3]) assert.equal((await api('POST', '/api/v1/namespaces/default/persistentvolumeclaims', { metadata: { name: `c${n}`, labels: { n: String(n) } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } })).status, 201);
    const first = (await api('GET', '/api/v1/persistentvolumeclaims?limit=2')).body as O;
    assert.equal(first.items.length, 2);
    assert.equal(first.items[0].status.phase, 'Pending');
    const rest = (await api('GET', `/api/v1/persistentvolumeclaims?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`)).body as O;
    assert.deepEqual(rest.items.map((i: O) => i.metadata.name), ['c3']);
    const selected = (await api('GET', '/api/v1/namespaces/default/persistentvolumeclaims?labelSelector=n%20in%20(1,3)&fieldSelector=metadata.name!%3Dc1')).body as O;
    assert.deepEqual(selected.items.map((i: O) => i.metadata.name), ['c3']);
  });

  await t.test('watch with bookmarks, in full and metadata-only form', async () => {
    const rv = ((await api('GET', '/apis/policy/v1/poddisruptionbudgets?limit=500&resourceVersion=0')).body as O).metadata.resourceVersion;
    const full = await openWatch(u, `/apis/policy/v1/poddisruptionbudgets?allowWatchBookmarks=true&resourceVersion=${rv}&timeoutSeconds=60&watch=true`, A);
    const meta = await openWatch(u, `/apis/policy/v1/poddisruptionbudgets?allowWatchBookmarks=true&resourceVersion=${rv}&timeoutSeconds=60&watch=true`, A, { Accept: METADATA });
    t.after(() => { full.stop(); meta.stop(); });
    assert.equal((await api('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', { metadata: { name: 'pdb' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } })).status, 201);
    await waitUntil('an ADDED event and a BOOKMARK on both watches', async () => [full, meta].every((w) => w.events.some((e) => e.type === 'ADDED') && w.events.some((e) => e.type === 'BOOKMARK')), { timeoutMs: 20000 });
    const added = full.events.find((e) => e.type === 'ADDED')?.object as O;
    assert.equal(added.kind, 'PodDisruptionBudget');
    assert.equal(added.spec.minAvailable, 1);
    for (const e of meta.events) {
      assert.equal(e.object['kind'], 'PartialObjectMetadata', e.type);
      assert.equal(e.object['apiVersion'], 'meta.k8s.io/v1');
    }
    assert.equal((meta.events.find((e) => e.type === 'ADDED')?.object as O).metadata.name, 'pdb');
    assert.equal((meta.events.find((e) => e.type === 'ADDED')?.object as O).spec, undefined);
    const one = await api('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/pdb', undefined, { accept: METADATA });
    assert.equal((one.body as O).kind, 'PartialObjectMetadata');
  });

  await t.test('events.k8s.io/v1 Events are core Events: written through one, read through the other, series patched', async () => {
    const e = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'p.17f', namespace: 'default' }, eventTime: '2026-01-01T00:00:00.000000Z', reportingController: 'default-scheduler', reportingInstance: 'default-scheduler-h', action: 'Scheduling', reason: 'FailedScheduling', regarding: { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'default' }, note: '0/3 nodes are available', type: 'Warning' };
    const created = await api('POST', '/apis/events.k8s.io/v1/namespaces/default/events', e);
    assert.equal(created.status, 201, created.text);
    assert.equal((created.body as O).apiVersion, 'events.k8s.io/v1');
    assert.equal((created.body as O).note, e.note);
    const core = (await api('GET', '/api/v1/namespaces/default/events/p.17f')).body as O;
    assert.equal(core.apiVersion, 'v1');
    assert.equal(core.message, e.note);
    assert.equal(core.involvedObject.name, 'p');
    assert.equal(core.reportingComponent, 'default-scheduler');
    const patched = await api('PATCH', '/apis/events.k8s.io/v1/namespaces/default/events/p.17f', { series: { count: 2, lastObservedTime: '2026-01-01T00:01:00.000000Z' } }, { contentType: 'application/strategic-merge-patch+json' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((patched.body as O).series.count, 2);
    assert.equal((patched.body as O).regarding.name, 'p');
    const list = (await api('GET', '/apis/events.k8s.io/v1/namespaces/default/events')).body as O;
    assert.equal(list.kind, 'EventList');
    assert.equal(list.items.find((i: O) => i.metadata.name === 'p.17f')?.note, e.note);
    // A core Event shows up in the events.k8s.io view too.
    await api('POST', '/api/v1/namespaces/default/events', { metadata: { name: 'legacy' }, involvedObject: { kind: 'Pod', name: 'q', namespace: 'default' }, reason: 'Pulled', message: 'pulled' });
    assert.equal(((await api('GET', '/apis/events.k8s.io/v1/namespaces/default/events/legacy')).body as O).regarding.name, 'q');
    assert.equal((await api('DELETE', '/apis/events.k8s.io/v1/namespaces/default/events/p.17f')).status, 200);
    assert.equal((await api('GET', '/api/v1/namespaces/default/events/p.17f')).status, 404);
  });

  await t.test('server-side apply creates and then updates (ServiceCIDR and its status, as the controller-manager does)', async () => {
    const apply = (path: string, body: unknown, manager = 'service-cidr-controller') => api('PATCH', `${path}?fieldManager=${manager}&force=true`, typeof body === 'string' ? body : JSON.stringify(body), { contentType: 'application/apply-patch+yaml' });
    assert.equal((await api('PATCH', '/apis/networking.k8s.io/v1/servicecidrs/extra', '{}', { contentType: 'application/apply-patch+yaml' })).status, 400, 'fieldManager is required');
    const created = await apply('/apis/networking.k8s.io/v1/servicecidrs/extra', 'apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata:\n  name: extra\nspec:\n  cidrs: [10.1.0.0/24]\n');
    assert.equal(created.status, 201, created.text);
    const status = await apply('/apis/networking.k8s.io/v1/servicecidrs/extra/status', { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'extra' }, status: { conditions: [{ type: 'Ready', status: 'True', reason: '', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } });
    assert.equal(status.status, 200, status.text);
    assert.equal((status.body as O).status.conditions[0].type, 'Ready');
    assert.deepEqual((status.body as O).spec.cidrs, ['10.1.0.0/24']);
    const ip = await api('POST', '/apis/networking.k8s.io/v1/ipaddresses', { metadata: { name: '10.1.0.10' }, spec: { parentRef: { group: '', resource: 'services', namespace: 'default', name: 'web' } } });
    assert.equal(ip.status, 201, ip.text);
    assert.equal((await api('POST', '/apis/networking.k8s.io/v1/ipaddresses', { metadata: { name: '10.1.0.010' }, spec: { parentRef: { resource: 'services', name: 'web' } } })).status, 422);
  });
});
