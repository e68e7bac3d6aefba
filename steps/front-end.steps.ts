/** kube-apiserver as the front end of the control plane and the only client of etcd (S3.4, S4.2-S4.6). */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Given, Then, When } from '@cucumber/cucumber';
import { parse } from 'yaml';
import type { KubeApi, KubeObject, Watch } from '../src/ports/kube-api.ts';
import type { ComponentInstance } from '../src/ports/topology.ts';
import { consistently, eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';
import { ResumableWatch } from './support/resumable-watch.ts';

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
const CONFIGMAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;

interface PodView extends KubeObject {
  spec: { nodeName?: string };
  status?: { phase?: string; hostIP?: string; containerStatuses?: Array<{ state?: { running?: object } }> };
}

function argValue(args: readonly string[] | undefined, flag: string): string | undefined {
  const list = args ?? [];
  const i = list.indexOf(flag);
  if (i >= 0) return list[i + 1];
  return list.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

async function allComponents(world: KitWorld): Promise<ComponentInstance[]> {
  const topology = await world.port('topology');
  const nodes = await topology.nodes();
  const perNode = await Promise.all(nodes.map((n) => topology.nodeComponents(n.name)));
  return [...(await topology.controlPlane()), ...perNode.flat()];
}

async function apiserverInstances(world: KitWorld): Promise<ComponentInstance[]> {
  return (await (await world.port('topology')).controlPlane()).filter((c) => c.component === 'kube-apiserver');
}

/** One base URL per apiserver instance, where the kit reaches it. */
async function apiserverUrls(world: KitWorld): Promise<string[]> {
  const instances = await apiserverInstances(world);
  return instances.map((c) => (c.healthUrl ?? '').replace(/\/livez$|\/readyz$|\/healthz$/, '')).filter((u) => u !== '');
}

/** Every address that is the API server: the kit's, each instance's, and where components reach them. */
async function apiserverAddresses(world: KitWorld): Promise<Set<string>> {
  const instances = await apiserverInstances(world);
  return new Set([world.kube.server, ...(await apiserverUrls(world)), ...instances.flatMap((c) => c.serves ?? [])]);
}

function workloadImage(): string {
  return process.env['KCK_WORKLOAD_IMAGE'] ?? 'kck/workload:1';
}

async function createServingDeployment(world: KitWorld, name: string, replicas: number): Promise<void> {
  await world.running();
  const namespace = await world.scenarioNamespace();
  await world.kube.create({
    ...DEPLOYMENT,
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'serve', image: workloadImage(), command: ['/kck/workload', 'serve-hostname'] }] },
      },
    },
  });
}

async function readyPods(world: KitWorld, app: string): Promise<PodView[]> {
  const list = await world.kube.list<PodView>({ apiVersion: 'v1', kind: 'Pod' }, { namespace: world.namespace, labelSelector: `app=${app}` });
  return list.items.filter((p) => p.metadata.deletionTimestamp === undefined && p.status?.phase === 'Running' && (p.status as { conditions?: Array<{ type: string; status: string }> }).conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true);
}

Then('only the API server is configured with etcd endpoints and credentials', async function (this: KitWorld) {
  const components = await allComponents(this);
  const apiservers = components.filter((c) => c.component === 'kube-apiserver');
  assert.ok(apiservers.length > 0, 'the target names no API server');
  const secrets = new Set<string>();
  for (const a of apiservers) {
    const endpoints = argValue(a.args, '--etcd-servers');
    assert.ok(endpoints !== undefined, `${a.name} has no --etcd-servers`);
    for (const e of endpoints.split(',')) secrets.add(e);
    for (const flag of ['--etcd-certfile', '--etcd-keyfile']) {
      const file = argValue(a.args, flag);
      if (file !== undefined) secrets.add(file);
    }
  }
  this.remember('etcd endpoints', [...secrets].filter((s) => /^https?:\/\//.test(s)));
  for (const c of components) {
    if (c.component === 'kube-apiserver' || c.component === 'etcd') continue;
    const leaked = (c.args ?? []).filter((arg) => arg.startsWith('--etcd') || [...secrets].some((s) => arg.includes(s)));
    assert.deepEqual(leaked, [], `${c.name} is configured with etcd: ${leaked.join(' ')}`);
  }
});

Then('every other component is configured with a kubeconfig naming the API server and no etcd endpoint', async function (this: KitWorld) {
  const servers = await apiserverAddresses(this);
  const components = (await allComponents(this)).filter((c) => !['kube-apiserver', 'etcd', 'container-runtime'].includes(c.component));
  assert.ok(components.some((c) => c.component === 'kubelet'), 'no kubelet among the components');
  for (const c of components) {
    const path = argValue(c.args, '--kubeconfig');
    assert.ok(path !== undefined, `${c.name} has no --kubeconfig`);
    const config = parse(await readFile(path, 'utf8')) as { clusters?: Array<{ cluster?: { server?: string } }> };
    const named = (config.clusters ?? []).map((x) => x.cluster?.server ?? '');
    assert.ok(named.length > 0 && named.every((s) => servers.has(s.replace(/\/$/, ''))), `${c.name}'s kubeconfig names ${named.join(', ')}, not the API server (${[...servers].join(', ')})`);
  }
});

When(/^I create a Deployment "([^"]+)" of (\d+) Pods? that serve their hostname$/, async function (this: KitWorld, name: string, replicas: string) {
  await createServingDeployment(this, name, Number(replicas));
});

Given(/^a Deployment "([^"]+)" of (\d+) Pods that serve their hostname, all ready$/, async function (this: KitWorld, name: string, replicas: string) {
  await createServingDeployment(this, name, Number(replicas));
  await eventually(`${replicas} ready Pods of ${name}`, async () => assert.equal((await readyPods(this, name)).length, Number(replicas), 'ready Pods'), { timeoutMs: 100_000 });
});

Then('the Deployment {string} gets a ReplicaSet created by the deployment controller', async function (this: KitWorld, name: string) {
  await eventually(`a ReplicaSet of Deployment ${name}, and its ScalingReplicaSet event`, async () => {
    const d = await this.kube.get({ ...DEPLOYMENT, name, namespace: this.namespace });
    assert.ok(d !== undefined, `Deployment ${name} is gone`);
    const sets = await this.kube.list({ apiVersion: 'apps/v1', kind: 'ReplicaSet' }, { namespace: this.namespace });
    assert.ok(sets.items.some((s) => s.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid && o.controller === true)), 'no ReplicaSet is controlled by the Deployment');
    const events = await this.kube.list<KubeObject & { reason?: string; involvedObject?: { uid?: string } }>({ apiVersion: 'v1', kind: 'Event' }, { namespace: this.namespace });
    assert.ok(events.items.some((e) => e.reason === 'ScalingReplicaSet' && e.involvedObject?.uid === d.metadata.uid), 'no ScalingReplicaSet event for the Deployment');
  });
  this.remember('deployment', name);
});

Then('its Pods are created by the replicaset controller and bound by the scheduler', async function (this: KitWorld) {
  const name = this.recall<string>('deployment');
  await eventually(`the Pods of ${name} to be owned by its ReplicaSet and scheduled`, async () => {
    const pods = await this.kube.list<PodView>({ apiVersion: 'v1', kind: 'Pod' }, { namespace: this.namespace, labelSelector: `app=${name}` });
    assert.ok(pods.items.length > 0, 'no Pods yet');
    const events = await this.kube.list<KubeObject & { reason?: string; involvedObject?: { uid?: string } }>({ apiVersion: 'v1', kind: 'Event' }, { namespace: this.namespace });
    for (const p of pods.items) {
      assert.ok(p.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet' && o.controller === true), `${p.metadata.name ?? ''} has no controlling ReplicaSet`);
      assert.ok(p.spec.nodeName !== undefined, `${p.metadata.name ?? ''} is not bound`);
      assert.ok(events.items.some((e) => e.reason === 'Scheduled' && e.involvedObject?.uid === p.metadata.uid), `no Scheduled event for ${p.metadata.name ?? ''}`);
    }
  });
});

Then('each of its Pods is reported Running with container statuses by the kubelet of its node', async function (this: KitWorld) {
  const name = this.recall<string>('deployment');
  const nodes = await (await this.port('topology')).nodes();
  await eventually(`the Pods of ${name} to be reported Running`, async () => {
    const pods = await this.kube.list<PodView>({ apiVersion: 'v1', kind: 'Pod' }, { namespace: this.namespace, labelSelector: `app=${name}` });
    assert.ok(pods.items.length > 0, 'no Pods yet');
    for (const p of pods.items) {
      assert.equal(p.status?.phase, 'Running', `${p.metadata.name ?? ''} is ${p.status?.phase ?? 'without phase'}`);
      assert.ok(p.status?.containerStatuses?.[0]?.state?.running !== undefined, `${p.metadata.name ?? ''} has no running container status`);
      const node = nodes.find((n) => n.name === p.spec.nodeName);
      assert.ok(node !== undefined && (node.address === '' || p.status.hostIP === node.address), `${p.metadata.name ?? ''} reports hostIP ${p.status.hostIP ?? 'none'}, not its node's address`);
    }
  }, { timeoutMs: 100_000 });
});

Then('the etcd endpoints of the API server do not answer from any node', async function (this: KitWorld) {
  const apiserver = (await (await this.port('topology')).controlPlane()).find((c) => c.component === 'kube-apiserver');
  const endpoints = (argValue(apiserver?.args, '--etcd-servers') ?? '').split(',').filter((e) => e !== '');
  assert.ok(endpoints.length > 0, 'the API server names no etcd endpoint');
  const network = await this.port('network');
  for (const node of await (await this.port('topology')).nodes()) {
    for (const endpoint of endpoints) {
      const url = new URL(endpoint);
      const result = await network.tcp({ from: 'node', node: node.name }, url.hostname, Number(url.port));
      assert.equal(result.ok, false, `etcd at ${endpoint} answered from node ${node.name}`);
    }
  }
});

When('every API server instance is stopped', async function (this: KitWorld) {
  const instances = await apiserverInstances(this);
  const faults = await this.port('faults');
  this.onCleanUp(async () => {
    for (const i of instances) await faults.start(i.name).catch(() => undefined);
  });
  this.remember('stopped apiservers', instances.map((i) => i.name));
  for (const i of instances) await faults.stop(i.name);
  // The outage starts once every instance is down: one shutting down gracefully may still
  // answer (and a loaded machine may deliver the stop signal late).
  this.remember('stopped at', Date.now());
});

Then('the API stays unreachable for {int} seconds', async function (this: KitWorld, seconds: number) {
  await consistently('the API to stay unreachable', async () => {
    const answered = await this.kube.request('GET', '/readyz').then((r) => r.status, () => undefined);
    assert.equal(answered, undefined, `the API answered ${String(answered)}`);
  }, seconds * 1000, 1000);
});

When('every API server instance is started again', async function (this: KitWorld) {
  const faults = await this.port('faults');
  this.remember('restarted at', Date.now());
  for (const name of this.recall<string[]>('stopped apiservers')) await faults.start(name);
});

Then('no Lease was renewed while the API server was down', async function (this: KitWorld) {
  // Renewals in flight when the server stopped get a second of slack. At the other end, a
  // renewal a kubelet stamps in the last seconds of the outage may still land once the server is
  // back: its TCP connect is retried (SYN retransmits after 1 s and 3 s) and succeeds against
  // the restarted server, so writes stamped up to 5 s before the restart are not counted. The
  // outage lasts 20 s so that what is left (14 s) holds at least one 10 s heartbeat of each node.
  const from = this.recall<number>('stopped at') + 1000;
  const to = this.recall<number>('restarted at') - 5000;
  const leases = await this.kube.list<KubeObject & { spec?: { renewTime?: string; holderIdentity?: string } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' });
  assert.ok(leases.items.length > 0, 'the cluster has no Leases to check');
  const during = leases.items.filter((l) => {
    const at = Date.parse(l.spec?.renewTime ?? '');
    return at > from && at < to;
  });
  assert.deepEqual(during.map((l) => `${l.metadata.namespace ?? ''}/${l.metadata.name ?? ''} at ${l.spec?.renewTime ?? ''}`), [], 'Leases renewed during the outage');
});

Then(/^the Deployment "([^"]+)" has (\d+) ready Pods$/, async function (this: KitWorld, name: string, count: string) {
  await eventually(`${count} ready Pods of ${name}`, async () => assert.equal((await readyPods(this, name)).length, Number(count), 'ready Pods'), { timeoutMs: 100_000 });
});

Then('the cluster has at least {int} API server instances', async function (this: KitWorld, count: number) {
  const urls = await apiserverUrls(this);
  assert.ok(urls.length >= count, `only ${urls.length} API server instance(s)`);
  this.remember('instances', urls.map((u) => this.kube.at(u)));
});

When('I create a ConfigMap {string} through the first API server instance', async function (this: KitWorld, name: string) {
  const namespace = await this.scenarioNamespace();
  const first = this.recall<KubeApi[]>('instances')[0]!;
  this.remember(`configmap ${name}`, await first.create({ ...CONFIGMAP, metadata: { name, namespace }, data: { v: '1' } }));
});

Then('every API server instance serves the ConfigMap {string} with the same resourceVersion', async function (this: KitWorld, name: string) {
  const rv = this.recall<KubeObject>(`configmap ${name}`).metadata.resourceVersion;
  for (const [i, api] of this.recall<KubeApi[]>('instances').entries()) {
    await eventually(`instance ${i + 1} to serve ${name} at ${rv ?? ''}`, async () => {
      const got = await api.get({ ...CONFIGMAP, name, namespace: this.namespace });
      assert.equal(got?.metadata.resourceVersion, rv, `instance ${i + 1} serves resourceVersion ${got?.metadata.resourceVersion ?? 'none'}`);
    });
  }
});

When('I watch ConfigMaps through every API server instance', async function (this: KitWorld) {
  const watches: Watch[] = [];
  for (const api of this.recall<KubeApi[]>('instances')) {
    const w = await api.watch(CONFIGMAP, { namespace: this.namespace, resourceVersion: this.recall<KubeObject>('configmap shared').metadata.resourceVersion ?? '0' });
    this.onCleanUp(() => w.stop());
    watches.push(w);
  }
  this.remember('watches', watches);
});

When('I update the ConfigMap {string} through the last API server instance', async function (this: KitWorld, name: string) {
  const last = this.recall<KubeApi[]>('instances').at(-1)!;
  const updated = await last.patch({ ...CONFIGMAP, name, namespace: this.namespace }, { data: { v: '2' } }, 'merge');
  this.remember('updated rv', updated.metadata.resourceVersion);
});

Then('every watch sees the ConfigMap {string} modified with the resourceVersion of the update', async function (this: KitWorld, name: string) {
  const rv = this.recall<string>('updated rv');
  for (const [i, w] of this.recall<Watch[]>('watches').entries()) {
    await eventually(`the watch on instance ${i + 1} to see ${name} modified`, () => {
      const seen = w.events.filter((e) => e.object.metadata.name === name).map((e) => `${e.type}@${e.object.metadata.resourceVersion ?? ''}`);
      assert.ok(seen.includes(`MODIFIED@${rv}`), `instance ${i + 1}'s watch saw: ${seen.join(', ') || 'nothing'}`);
    });
  }
});

/**
 * Creates a ConfigMap as a client that keeps working does: a request whose connection broke
 * is sent again, and AlreadyExists then means the first one went through. False when no
 * attempt was acknowledged within the deadline.
 */
async function createAcknowledged(world: KitWorld, namespace: string, name: string, i: number): Promise<boolean> {
  return eventually(`creating ${name}`, async () => {
    try {
      await world.kube.create({ ...CONFIGMAP, metadata: { name, namespace }, data: { i: String(i) } });
      return true;
    } catch (error) {
      if (error instanceof Error && /409|AlreadyExists/.test(error.message)) return true;
      throw error;
    }
  }, { timeoutMs: 20_000 }).catch(() => false);
}

When('I create {int} ConfigMaps through the load-balanced address while one API server instance is killed after the {int}th', async function (this: KitWorld, count: number, killAfter: number) {
  const namespace = await this.scenarioNamespace();
  const victim = (await (await this.port('topology')).controlPlane()).find((c) => c.component === 'kube-apiserver');
  assert.ok(victim !== undefined, 'no API server instance to kill');
  const acknowledged: string[] = [];
  for (let i = 1; i <= count; i++) {
    if (i === killAfter + 1) await (await this.port('faults')).kill(victim.name);
    const name = `write-${i}`;
    if (await createAcknowledged(this, namespace, name, i)) acknowledged.push(name);
  }
  this.remember('acknowledged', acknowledged);
});

When('I watch ConfigMaps through the load-balanced address, resuming from the last resourceVersion seen whenever the connection breaks', async function (this: KitWorld) {
  const namespace = await this.scenarioNamespace();
  const list = await this.kube.list(CONFIGMAP, { namespace });
  const watch = ResumableWatch.start(this.kube, CONFIGMAP, namespace, list.metadata.resourceVersion ?? '0');
  this.onCleanUp(() => watch.stop());
  this.remember('resumable watch', watch);
});

/**
 * Each instance in turn is killed while writes go on, then started again before the next is
 * killed: whichever instance served the watch, it dies at least once.
 */
When('I create {int} ConfigMaps through the load-balanced address while each API server instance in turn is killed and started again', async function (this: KitWorld, count: number) {
  const namespace = await this.scenarioNamespace();
  const faults = await this.port('faults');
  const instances = (await apiserverInstances(this)).map((c) => c.name);
  assert.ok(instances.length >= 2, `only ${instances.length} API server instance(s)`);
  const phases = 2 * instances.length + 1;
  const acknowledged: string[] = [];
  let current = 0;
  for (let i = 1; i <= count; i++) {
    // Phases alternate: all up, one killed, it restarted, the next killed, ...
    const phase = Math.floor(((i - 1) * phases) / count);
    if (phase !== current) {
      current = phase;
      const victim = instances[Math.floor((phase - 1) / 2)]!;
      if (phase % 2 === 1) await faults.kill(victim);
      else await faults.start(victim);
    }
    const name = `turn-${i}`;
    if (await createAcknowledged(this, namespace, name, i)) acknowledged.push(name);
  }
  this.remember('acknowledged', acknowledged);
});

Then('the watch resumed after its connection broke and saw each acknowledged ConfigMap added exactly once, in increasing resourceVersion order', async function (this: KitWorld) {
  const watch = this.recall<ResumableWatch>('resumable watch');
  const acknowledged = this.recall<string[]>('acknowledged');
  const added = (name: string): number => watch.events.filter((e) => e.type === 'ADDED' && e.object.metadata.name === name).length;
  await eventually('the watch to see every acknowledged ConfigMap', () => {
    assert.equal(watch.failure, undefined, 'the watch could not resume');
    const missing = acknowledged.filter((n) => added(n) === 0);
    assert.deepEqual(missing, [], 'acknowledged ConfigMaps the watch never saw added');
  }, { timeoutMs: 30_000 });
  assert.ok(watch.connections >= 2, `the watch never lost its connection (${watch.connections} connection): no instance serving it died`);
  const twice = acknowledged.filter((n) => added(n) > 1);
  assert.deepEqual(twice, [], 'ConfigMaps the resumed watch saw added more than once');
  // resourceVersions are opaque to clients, but every apiserver on etcd hands out revisions:
  // across connections the stream must never go back.
  const versions = watch.events.map((e) => e.object.metadata.resourceVersion ?? '');
  assert.ok(versions.every((v) => /^\d+$/.test(v)), `resourceVersions that are not etcd revisions: ${versions.filter((v) => !/^\d+$/.test(v)).join(', ')}`);
  const back = versions.findIndex((v, i) => i > 0 && BigInt(v) <= BigInt(versions[i - 1]!));
  assert.equal(back, -1, `the watch went back from resourceVersion ${versions[back - 1] ?? ''} to ${versions[back] ?? ''} (event ${back + 1} of ${versions.length})`);
});

Then('every ConfigMap whose creation was acknowledged is readable through the load-balanced address', async function (this: KitWorld) {
  for (const name of this.recall<string[]>('acknowledged')) {
    const got = await this.kube.get({ ...CONFIGMAP, name, namespace: this.namespace });
    assert.ok(got !== undefined, `acknowledged ConfigMap ${name} is lost`);
  }
});

Then('at least {int} creations were acknowledged', function (this: KitWorld, count: number) {
  const acknowledged = this.recall<string[]>('acknowledged');
  assert.ok(acknowledged.length >= count, `only ${acknowledged.length} creations were acknowledged`);
});
