// The reference apiserver as a process on a real etcd 3.4: API machinery behaviours of S4.1,
// S3.2 (watch) and S4.3 (several instances on one etcd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../../src/targets/etcd/wait-until.ts';
import { TOKENS, call, startHarness } from './harness.ts';
import { openWatch } from './watch-client.ts';

type O = Record<string, any>;
const A = TOKENS.admin;

void test('reference apiserver on etcd: API machinery', { timeout: 240_000 }, async (t) => {
  const h = await startHarness({ apiservers: 2, extraFlags: ['--default-watch-cache-size', '50'] });
  t.after(() => h.stop());
  const [u1, u2] = h.urls as [string, string];
  const api = (method: string, path: string, body?: unknown, extra: { token?: string; contentType?: string } = {}) => call(u1, method, path, { token: extra.token ?? A, body, ...(extra.contentType ? { contentType: extra.contentType } : {}) });

  await t.test('discovery, version and health', async () => {
    assert.equal(((await api('GET', '/version')).body as O).gitVersion, 'v1.33.0');
    assert.deepEqual(((await api('GET', '/api')).body as O).versions, ['v1']);
    const groups = ((await api('GET', '/apis')).body as O).groups.map((g: O) => g.name);
    for (const g of ['apps', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'rbac.authorization.k8s.io']) assert.ok(groups.includes(g), g);
    const apps = (await api('GET', '/apis/apps/v1')).body as O;
    assert.ok(apps.resources.some((r: O) => r.name === 'deployments/scale'));
    assert.equal((await call(u1, 'GET', '/readyz')).status, 200);
    assert.equal((await api('GET', '/apis/nope/v1')).status, 404);
  });

  await t.test('401 without credentials, 403 without permission, 200 with a RoleBinding', async () => {
    assert.equal((await call(u1, 'GET', '/api/v1/namespaces')).status, 401);
    assert.equal((await call(u1, 'GET', '/api/v1/namespaces', { token: 'wrong' })).status, 401);
    const forbidden = await api('GET', '/api/v1/namespaces/default/pods', undefined, { token: TOKENS.alice });
    assert.equal(forbidden.status, 403);
    assert.equal((forbidden.body as O).reason, 'Forbidden');
    await api('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', { metadata: { name: 'alice-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice' }] });
    await waitUntil('alice may list pods', async () => (await api('GET', '/api/v1/namespaces/default/pods', undefined, { token: TOKENS.alice })).status === 200);
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'x' } }, { token: TOKENS.alice })).status, 403);
  });

  await t.test('create, defaults, 409 AlreadyExists, 404 NotFound, generateName', async () => {
    const created = await api('POST', '/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } } });
    assert.equal(created.status, 201, created.text);
    const d = created.body as O;
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 30);
    assert.equal(d.metadata.generation, 1);
    assert.match(d.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.equal((await api('POST', '/apis/apps/v1/namespaces/default/deployments', d)).status, 409);
    const missing = await api('GET', '/apis/apps/v1/namespaces/default/deployments/nope');
    assert.equal(missing.status, 404);
    assert.equal((missing.body as O).reason, 'NotFound');
    const gen = await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { generateName: 'cm-' } });
    assert.match((gen.body as O).metadata.name, /^cm-[a-z0-9]{5}$/);
    assert.equal((await api('POST', '/api/v1/namespaces/nowhere/configmaps', { metadata: { name: 'a' } })).status, 404);
  });

  await t.test('422 Invalid with field paths; 400 on malformed bodies', async () => {
    const bad = await api('POST', '/apis/apps/v1/namespaces/default/deployments', { metadata: { name: 'Bad_Name' }, spec: { replicas: -1, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c' }] } } } });
    assert.equal(bad.status, 422);
    const fields = (bad.body as O).details.causes.map((c: O) => c.field);
    for (const f of ['metadata.name', 'spec.replicas', 'spec.template.metadata.labels', 'spec.template.spec.containers[0].image']) assert.ok(fields.includes(f), `${f} in ${fields}`);
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', '{not json')).status, 400);
    assert.equal((await api('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'p' }, spec: { containers: 'nope' } })).status, 422);
  });

  await t.test('update: optimistic concurrency, generation bump, status separation, immutable selector', async () => {
    const d = (await api('GET', '/apis/apps/v1/namespaces/default/deployments/web')).body as O;
    const stale = structuredClone(d);
    d.spec.replicas = 3;
    const updated = await api('PUT', '/apis/apps/v1/namespaces/default/deployments/web', d);
    assert.equal(updated.status, 200, updated.text);
    assert.equal((updated.body as O).metadata.generation, 2);
    stale.spec.replicas = 5;
    const conflict = await api('PUT', '/apis/apps/v1/namespaces/default/deployments/web', stale);
    assert.equal(conflict.status, 409);
    assert.equal((conflict.body as O).reason, 'Conflict');
    const withStatus: O = { ...(updated.body as O), status: { replicas: 7 } };
    assert.equal(((await api('PUT', '/apis/apps/v1/namespaces/default/deployments/web', withStatus)).body as O).status.replicas, undefined);
    const st = await api('PUT', '/apis/apps/v1/namespaces/default/deployments/web/status', { ...withStatus, metadata: { ...withStatus.metadata, resourceVersion: undefined } });
    assert.equal((st.body as O).status.replicas, 7);
    assert.equal((st.body as O).metadata.generation, 2);
    const sel = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { spec: { selector: { matchLabels: { app: 'other' } } } }, { contentType: 'application/merge-patch+json' });
    assert.equal(sel.status, 422);
  });

  await t.test('patches: merge, strategic (containers by name), json; scale subresource', async () => {
    const smp = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:1.37' }, { name: 'side', image: 'busybox:1.36' }] } } } }, { contentType: 'application/strategic-merge-patch+json' });
    assert.equal(smp.status, 200, smp.text);
    assert.deepEqual((smp.body as O).spec.template.spec.containers.map((c: O) => `${c.name}=${c.image}`), ['c=busybox:1.37', 'side=busybox:1.36']);
    const jp = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', [{ op: 'replace', path: '/spec/replicas', value: 2 }], { contentType: 'application/json-patch+json' });
    assert.equal((jp.body as O).spec.replicas, 2);
    const mp = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { metadata: { labels: { tier: 'front' } } }, { contentType: 'application/merge-patch+json' });
    assert.equal((mp.body as O).metadata.labels.tier, 'front');
    const scale = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: 4 } }, { contentType: 'application/merge-patch+json' });
    assert.equal((scale.body as O).kind, 'Scale');
    assert.equal((scale.body as O).spec.replicas, 4);
    assert.equal(((await api('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale')).body as O).status.selector, 'app=web');
    assert.equal((await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { a: 1 }, { contentType: 'text/plain' })).status, 415);
  });

  await t.test('label and field selectors, chunked lists', async () => {
    for (let i = 0; i < 7; i++) await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `sel-${i}`, labels: { group: i % 2 === 0 ? 'even' : 'odd', idx: String(i) } } });
    const names = async (q: string) => ((await api('GET', `/api/v1/namespaces/default/configmaps?${q}`)).body as O).items.map((x: O) => x.metadata.name);
    assert.deepEqual(await names('labelSelector=group%3Dodd'), ['sel-1', 'sel-3', 'sel-5']);
    assert.deepEqual(await names(`labelSelector=${encodeURIComponent('idx in (1,2),group!=odd')}`), ['sel-2']);
    assert.deepEqual(await names('fieldSelector=metadata.name%3Dsel-4'), ['sel-4']);
    assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps?labelSelector=%3D%3D')).status, 400);
    assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps?fieldSelector=spec.nope%3D1')).status, 400);
    const seen: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const page = (await api('GET', `/api/v1/namespaces/default/configmaps?labelSelector=group&limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)).body as O;
      seen.push(...page.items.map((x: O) => x.metadata.name));
      cont = page.metadata.continue ?? '';
      pages++;
    } while (cont !== '' && pages < 10);
    assert.deepEqual(seen, ['sel-0', 'sel-1', 'sel-2', 'sel-3', 'sel-4', 'sel-5', 'sel-6']);
    assert.equal(pages, 4);
  });

  await t.test('watch: ordered events on both instances, resume from a resourceVersion, 410 once outside the watch cache window', async () => {
    const list = (await api('GET', '/api/v1/namespaces/default/configmaps')).body as O;
    const rv = list.metadata.resourceVersion;
    const w1 = await openWatch(u1, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, A);
    const w2 = await openWatch(u2, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`, A);
    t.after(() => { w1.stop(); w2.stop(); });
    const c = (await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'watched' }, data: { a: '1' } })).body as O;
    await call(u2, 'PATCH', '/api/v1/namespaces/default/configmaps/watched', { token: A, body: { data: { a: '2' } }, contentType: 'application/merge-patch+json' });
    await call(u2, 'DELETE', '/api/v1/namespaces/default/configmaps/watched', { token: A });
    for (const w of [w1, w2]) {
      await waitUntil('three events', async () => w.events.filter((e) => e.type !== 'BOOKMARK').length >= 3);
      const evs = w.events.filter((e) => e.type !== 'BOOKMARK');
      assert.deepEqual(evs.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
      const rvs = evs.map((e) => Number(e.object.metadata?.['resourceVersion']));
      assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `ordered ${rvs}`);
      assert.equal(evs[0]!.object.metadata?.['resourceVersion'], c.metadata.resourceVersion);
    }
    assert.deepEqual(w1.events.map((e) => e.object.metadata?.['resourceVersion']), w2.events.filter((e) => e.type !== 'BOOKMARK').map((e) => e.object.metadata?.['resourceVersion']));
    await waitUntil('a bookmark', async () => w2.events.some((e) => e.type === 'BOOKMARK'));
    // A watch from the middle replays only what came after.
    const from = w1.events[0]!.object.metadata?.['resourceVersion'];
    const w3 = await openWatch(u2, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${String(from)}`, A);
    t.after(() => w3.stop());
    await waitUntil('replayed', async () => w3.events.length >= 2);
    assert.deepEqual(w3.events.map((e) => e.type), ['MODIFIED', 'DELETED']);
    // Once more changes than the watch cache keeps have happened, the old RV is Gone.
    for (let i = 0; i < 60; i++) await api('PATCH', '/api/v1/namespaces/default/configmaps/sel-0', { data: { n: String(i) } }, { contentType: 'application/merge-patch+json' });
    const gone = await api('GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
    assert.equal(gone.status, 410, gone.text);
    assert.equal((gone.body as O).reason, 'Expired');
  });

  await t.test('graceful pod deletion, binding, node authorizer', async () => {
    const pod = { metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };
    const created = (await api('POST', '/api/v1/namespaces/default/pods', pod)).body as O;
    assert.equal(created.status.phase, 'Pending');
    assert.equal(created.spec.nodeName, undefined);
    const bind = await call(u1, 'POST', '/api/v1/namespaces/default/pods/p1/binding', { token: TOKENS.scheduler, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } } });
    assert.equal(bind.status, 201, bind.text);
    assert.equal((await api('POST', '/api/v1/namespaces/default/pods/p1/binding', { metadata: { name: 'p1' }, target: { kind: 'Node', name: 'node-2' } })).status, 409);
    const bound = (await api('GET', '/api/v1/namespaces/default/pods/p1')).body as O;
    assert.equal(bound.spec.nodeName, 'node-1');
    assert.ok(bound.status.conditions.some((c: O) => c.type === 'PodScheduled' && c.status === 'True'));
    // The kubelet of node-1 may report its pod's status; not another pod's, nor another node.
    await api('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'p2' }, spec: { nodeName: 'node-2', containers: [{ name: 'c', image: 'busybox:1.36' }] } });
    const own = await call(u1, 'PATCH', '/api/v1/namespaces/default/pods/p1/status', { token: TOKENS.node1, body: { status: { phase: 'Running' } }, contentType: 'application/merge-patch+json' });
    assert.equal(own.status, 200, own.text);
    assert.equal((await call(u1, 'PATCH', '/api/v1/namespaces/default/pods/p2/status', { token: TOKENS.node1, body: { status: { phase: 'Running' } }, contentType: 'application/merge-patch+json' })).status, 403);
    assert.equal((await call(u1, 'POST', '/api/v1/nodes', { token: TOKENS.node1, body: { metadata: { name: 'node-1' } } })).status, 201);
    assert.equal((await call(u1, 'POST', '/api/v1/nodes', { token: TOKENS.node1, body: { metadata: { name: 'node-2' } } })).status, 403);
    // Graceful deletion: a bound pod stays with a deletionTimestamp until its kubelet confirms.
    const del = await api('DELETE', '/api/v1/namespaces/default/pods/p1');
    assert.equal(del.status, 200);
    const terminating = (await api('GET', '/api/v1/namespaces/default/pods/p1')).body as O;
    assert.ok(terminating.metadata.deletionTimestamp);
    assert.equal(terminating.metadata.deletionGracePeriodSeconds, 30);
    assert.equal((await call(u1, 'DELETE', '/api/v1/namespaces/default/pods/p1', { token: TOKENS.node1, body: { gracePeriodSeconds: 0 } })).status, 200);
    assert.equal((await api('GET', '/api/v1/namespaces/default/pods/p1')).status, 404);
    // An unbound pod goes at once.
    await api('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'p3' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } });
    await api('DELETE', '/api/v1/namespaces/default/pods/p3');
    assert.equal((await api('GET', '/api/v1/namespaces/default/pods/p3')).status, 404);
  });

  await t.test('finalizers and propagationPolicy', async () => {
    await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await api('DELETE', '/api/v1/namespaces/default/configmaps/held');
    const held = (await api('GET', '/api/v1/namespaces/default/configmaps/held')).body as O;
    assert.ok(held.metadata.deletionTimestamp);
    await api('PATCH', '/api/v1/namespaces/default/configmaps/held', { metadata: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
    assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/held')).status, 404);
    await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'fg' } });
    await api('DELETE', '/api/v1/namespaces/default/configmaps/fg', { propagationPolicy: 'Foreground' });
    assert.deepEqual(((await api('GET', '/api/v1/namespaces/default/configmaps/fg')).body as O).metadata.finalizers, ['foregroundDeletion']);
    await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'orph' } });
    await api('DELETE', '/api/v1/namespaces/default/configmaps/orph?propagationPolicy=Orphan');
    assert.deepEqual(((await api('GET', '/api/v1/namespaces/default/configmaps/orph')).body as O).metadata.finalizers, ['orphan']);
  });

  await t.test('services: ClusterIP and NodePort allocation unique across instances', async () => {
    const svc = (i: number) => ({ metadata: { name: `svc-${i}` }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80 }] } });
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => call(i % 2 === 0 ? u1 : u2, 'POST', '/api/v1/namespaces/default/services', { token: A, body: svc(i) })));
    for (const r of results) assert.equal(r.status, 201, r.text);
    const ips = results.map((r) => (r.body as O).spec.clusterIP);
    const ports = results.map((r) => (r.body as O).spec.ports[0].nodePort);
    assert.equal(new Set(ips).size, 6);
    assert.equal(new Set(ports).size, 6);
    for (const p of ports) assert.ok(p >= 30000 && p <= 30100);
    assert.equal((results[0]!.body as O).spec.ports[0].targetPort, 80);
    const taken = await api('POST', '/api/v1/namespaces/default/services', { metadata: { name: 'dup' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: ports[0] }] } });
    assert.equal(taken.status, 422);
    const out = await api('POST', '/api/v1/namespaces/default/services', { metadata: { name: 'out' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] } });
    assert.equal(out.status, 422);
    assert.equal((out.body as O).details.causes[0].field, 'spec.ports[0].nodePort');
  });

  await t.test('a write through one instance is read through the other with the same resourceVersion', async () => {
    const c = (await call(u2, 'POST', '/api/v1/namespaces/default/configmaps', { token: A, body: { metadata: { name: 'shared' } } })).body as O;
    const r = (await api('GET', '/api/v1/namespaces/default/configmaps/shared')).body as O;
    assert.equal(r.metadata.resourceVersion, c.metadata.resourceVersion);
    assert.equal(r.metadata.uid, c.metadata.uid);
  });
});
