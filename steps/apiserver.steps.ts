/** kube-apiserver scenarios (S4.1, S3.2): only through the KubeApi port; checks inside eventually(). */
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import { ApiError, type KubeObject, type RawResponse, type Watch } from '../src/ports/kube-api.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };
type Deployment = KubeObject & { spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } };

function names(text: string): string[] {
  return [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
}

async function ns(world: KitWorld): Promise<string> {
  await world.running();
  return world.scenarioNamespace();
}

function deployment(name: string, namespace: string, replicas: number, labels = { app: name }, image = 'busybox:1.36'): Deployment {
  return { ...DEPLOY, metadata: { name, namespace }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { containers: [{ name: 'main', image }] } } } } as unknown as Deployment;
}

async function listNames(world: KitWorld, options: { labelSelector?: string; fieldSelector?: string }): Promise<string[]> {
  const list = await world.kube.list(CM, { namespace: world.namespace, ...options });
  return list.items.map((x) => x.metadata.name ?? '').filter((n) => n !== 'kube-root-ca.crt').sort();
}

When('I ask the API server what it serves', async function (this: KitWorld) {
  await this.running();
  this.remember('discovery', {
    api: await this.kube.request('GET', '/api'),
    apis: await this.kube.request('GET', '/apis'),
    version: await this.kube.request('GET', '/version'),
  });
});

Then('it lists the core group version {string} and the groups {string}, {string} and {string}', function (this: KitWorld, core: string, g1: string, g2: string, g3: string) {
  const groups = [g1, g2, g3];
  const d = this.recall<Record<string, RawResponse>>('discovery');
  assert.equal(d['api']?.status, 200);
  assert.ok(((d['api']?.body as { versions?: string[] }).versions ?? []).includes(core), `/api lists ${d['api']?.text}`);
  const served = ((d['apis']?.body as { groups?: Array<{ name: string }> }).groups ?? []).map((g) => g.name);
  for (const g of groups) assert.ok(served.includes(g), `/apis has no group ${g} (has ${served.join(', ')})`);
});

Then('it reports its version', function (this: KitWorld) {
  const v = this.recall<Record<string, RawResponse>>('discovery')['version'];
  assert.equal(v?.status, 200);
  assert.match(String((v?.body as { gitVersion?: string }).gitVersion), /^v1\.\d+\.\d+/);
});

Then('it serves {string} with a {string} subresource in {string}', async function (this: KitWorld, resource: string, sub: string, gv: string) {
  const res = await this.kube.request('GET', `/apis/${gv}`);
  const listed = ((res.body as { resources?: Array<{ name: string }> }).resources ?? []).map((r) => r.name);
  assert.ok(listed.includes(resource) && listed.includes(`${resource}/${sub}`), `/apis/${gv} lists ${listed.join(', ')}`);
});

Given('config maps {string}, {string} and {string} labelled by their colour', async function (this: KitWorld, a: string, b: string, c: string) {
  const namespace = await ns(this);
  for (const name of [a, b, c]) await this.kube.create({ ...CM, metadata: { name, namespace, labels: { colour: name.split('-')[0] ?? '' } }, data: { v: '1' } });
});

Then(/^listing config maps labelled "([^"]+)" gives ((?:"[^"]+"(?: and )?)+)$/, async function (this: KitWorld, selector: string, expected: string) {
  await eventually(`config maps labelled ${selector}`, async () => assert.deepEqual(await listNames(this, { labelSelector: selector }), names(expected).sort()));
});

Then('listing config maps with the field {string} gives {string}', async function (this: KitWorld, selector: string, expected: string) {
  await eventually(`config maps with ${selector}`, async () => assert.deepEqual(await listNames(this, { fieldSelector: selector }), [expected]));
});

When('I change the config map {string}', async function (this: KitWorld, name: string) {
  await this.kube.patch({ ...CM, name, namespace: this.namespace }, { data: { v: 'changed' } }, 'merge');
});

Then('reading the config map {string} shows the change', async function (this: KitWorld, name: string) {
  await eventually(`${name} to show the change`, async () => {
    const cm = await this.kube.get<KubeObject & { data?: Record<string, string> }>({ ...CM, name, namespace: this.namespace });
    assert.equal(cm?.data?.['v'], 'changed');
  });
});

When('I delete the config map {string}', async function (this: KitWorld, name: string) {
  await this.kube.delete({ ...CM, name, namespace: this.namespace });
});

Then('the config map {string} is gone', async function (this: KitWorld, name: string) {
  await eventually(`${name} to be gone`, async () => assert.equal(await this.kube.get({ ...CM, name, namespace: this.namespace }), undefined));
});

Given('a config map {string}', async function (this: KitWorld, name: string) {
  const namespace = await ns(this);
  await this.kube.create({ ...CM, metadata: { name, namespace }, data: { v: '0' } });
});

When('two clients read {string} and both write it back changed', async function (this: KitWorld, name: string) {
  const key = { ...CM, name, namespace: this.namespace };
  const first = await this.kube.get<KubeObject & { data: Record<string, string> }>(key);
  const second = await this.kube.get<KubeObject & { data: Record<string, string> }>(key);
  assert.ok(first !== undefined && second !== undefined, 'two watches are needed');
  const outcome = async (obj: KubeObject & { data: Record<string, string> }, v: string): Promise<unknown> => {
    try {
      return await this.kube.update({ ...obj, data: { v } });
    } catch (e) {
      return e;
    }
  };
  this.remember('writes', [await outcome(first, 'one'), await outcome(second, 'two')]);
});

Then('the first write succeeds and the second is rejected as a conflict', function (this: KitWorld) {
  const [a, b] = this.recall<unknown[]>('writes');
  assert.ok(!(a instanceof Error), `first write failed: ${String(a)}`);
  assert.ok(b instanceof ApiError, `second write was not rejected: ${JSON.stringify(b)}`);
  assert.equal(b.status, 409);
  assert.equal(b.reason, 'Conflict');
});

async function rejection(world: KitWorld, obj: KubeObject): Promise<void> {
  try {
    await world.kube.create(obj);
    world.remember('rejection', undefined);
  } catch (e) {
    world.remember('rejection', e);
  }
}

When('I create a Deployment whose selector does not match its template labels', async function (this: KitWorld) {
  const namespace = await ns(this);
  await rejection(this, deployment('mismatch', namespace, 1, { app: 'other' }));
});

When('I create a Deployment with -1 replicas', async function (this: KitWorld) {
  const namespace = await ns(this);
  await rejection(this, deployment('negative', namespace, -1));
});

Then('it is rejected as invalid naming the field {string}', function (this: KitWorld, field: string) {
  const e = this.recall<unknown>('rejection');
  assert.ok(e instanceof ApiError, `the object was accepted: ${JSON.stringify(e)}`);
  assert.equal(e.status, 422);
  assert.equal(e.reason, 'Invalid');
  const causes = ((e.body as { details?: { causes?: Array<{ field?: string }> } }).details?.causes ?? []).map((c) => c.field);
  assert.ok(causes.includes(field), `causes name ${causes.join(', ')}, not ${field}`);
});

When('I ask for a resource the API server does not serve', async function (this: KitWorld) {
  await this.running();
  // A resource the served core group/version does not have. (For a whole API group nobody
  // serves, upstream's kube-apiserver answers from its catch-all handler with a plain-text
  // "404 page not found", not a Status: that path says nothing about the API's errors.)
  this.remember('answer', await this.kube.request('GET', '/api/v1/kckwidgets'));
});

const REASONS: Record<string, number> = { 'Not Found': 404, Unauthorized: 401, Forbidden: 403 };

Then('the answer is {string} with a Status', function (this: KitWorld, what: string) {
  const res = this.recall<RawResponse>('answer');
  assert.equal(res.status, REASONS[what], `answered ${res.status}: ${res.text.slice(0, 200)}`);
  const body = res.body as { kind?: string; code?: number };
  assert.equal(body.kind, 'Status', `not a Status: ${res.text.slice(0, 200)}`);
  assert.equal(body.code, REASONS[what]);
});

When('an anonymous client lists pods', async function (this: KitWorld) {
  const namespace = await ns(this);
  this.remember('answer', await this.kube.as({ kind: 'anonymous' }).request('GET', `/api/v1/namespaces/${namespace}/pods`));
});

// alice is one of the users targets with the authn capability mint; she has no role.
When('a user without any role lists pods', async function (this: KitWorld) {
  const namespace = await ns(this);
  this.remember('answer', await this.kube.as({ kind: 'user', name: 'alice' }).request('GET', `/api/v1/namespaces/${namespace}/pods`));
});

Given('a Deployment {string} of {int} replica(s)', async function (this: KitWorld, name: string, replicas: number) {
  const namespace = await ns(this);
  const created = await this.kube.create(deployment(name, namespace, replicas));
  this.remember(`generation of ${name}`, created.metadata.generation ?? 0);
});

When('I scale {string} to {int} replicas through its scale subresource', async function (this: KitWorld, name: string, replicas: number) {
  await this.kube.patch({ ...DEPLOY, name, namespace: this.namespace }, { spec: { replicas } }, 'merge', { subresource: 'scale' });
});

Then('the Deployment {string} wants {int} replicas', async function (this: KitWorld, name: string, replicas: number) {
  await eventually(`${name} to want ${replicas} replicas`, async () => assert.equal((await this.kube.get<Deployment>({ ...DEPLOY, name, namespace: this.namespace }))?.spec.replicas, replicas));
});

Then('its generation has grown', async function (this: KitWorld) {
  const before = this.recall<number>('generation of web');
  const now = (await this.kube.get<Deployment>({ ...DEPLOY, name: 'web', namespace: this.namespace }))?.metadata.generation ?? 0;
  assert.ok(now > before, `generation ${now} after ${before}`);
});

Given('I watch config maps in my namespace from now on', async function (this: KitWorld) {
  const namespace = await ns(this);
  const list = await this.kube.list(CM, { namespace });
  const watch = await this.kube.watch(CM, { namespace, ...(list.metadata.resourceVersion !== undefined ? { resourceVersion: list.metadata.resourceVersion } : {}) });
  this.onCleanUp(() => watch.stop());
  this.remember('watch', watch);
});

When('I create, change and delete the config map {string}', async function (this: KitWorld, name: string) {
  const key = { ...CM, name, namespace: this.namespace };
  await this.kube.create({ ...CM, metadata: { name, namespace: this.namespace }, data: { v: '1' } });
  await this.kube.patch(key, { data: { v: '2' } }, 'merge');
  await this.kube.delete(key);
});

Then('the watch delivers ADDED, MODIFIED and DELETED for {string} in resourceVersion order', async function (this: KitWorld, name: string) {
  const watch = this.recall<Watch>('watch');
  await eventually(`three events for ${name}`, async () => {
    const events = watch.events.filter((e) => e.type !== 'BOOKMARK' && e.object.metadata.name === name);
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    const rvs = events.map((e) => BigInt(e.object.metadata.resourceVersion ?? '0'));
    // resourceVersions are opaque to clients, but on one watch they come in the server's order.
    assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `resourceVersions ${rvs.join(', ')}`);
  });
});
