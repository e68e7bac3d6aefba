/** Kubelet and pod-network scenarios through the KubeApi port (and Topology for static Pods). */
import assert from 'node:assert/strict';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Given, Then, When } from '@cucumber/cucumber';
import type { KubeObject } from '../src/ports/kube-api.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';
import { eventsAbout } from './support/control-plane-support.ts';

const IMAGE = process.env['KCK_WORKLOAD_IMAGE'] ?? 'kck/workload:1';
const POD = { apiVersion: 'v1', kind: 'Pod' };

interface ContainerStatusView { name: string; ready: boolean; restartCount: number; state: { running?: object; terminated?: { exitCode: number; startedAt?: string; finishedAt?: string } } }
interface PodView extends KubeObject {
  spec: { nodeName?: string };
  status?: { phase?: string; reason?: string; podIP?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: ContainerStatusView[]; initContainerStatuses?: ContainerStatusView[] };
}
interface NodeView extends KubeObject {
  status?: { addresses?: Array<{ type: string; address: string }>; capacity?: Record<string, string>; allocatable?: Record<string, string>; conditions?: Array<{ type: string; status: string }> };
}

const container = (name: string, args: string[], extra: object = {}): object => ({ name, image: IMAGE, args, ...extra });

async function workerNodes(world: KitWorld): Promise<string[]> {
  await world.running();
  const nodes = await world.kube.list<NodeView>({ apiVersion: 'v1', kind: 'Node' });
  const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && n.metadata.labels?.['node-role.kubernetes.io/control-plane'] === undefined);
  const names = ready.map((n) => n.metadata.name ?? '').sort();
  assert.ok(names.length > 0, 'the target has no Ready worker node');
  return names;
}

async function createPod(world: KitWorld, name: string, spec: Record<string, unknown>): Promise<void> {
  const namespace = await world.scenarioNamespace();
  await world.kube.create({ ...POD, metadata: { name, namespace }, spec: { automountServiceAccountToken: false, terminationGracePeriodSeconds: 10, ...spec } });
}

async function getPod(world: KitWorld, name: string): Promise<PodView | undefined> {
  return world.kube.get<PodView>({ ...POD, name, namespace: await world.scenarioNamespace() });
}

async function podWhere(world: KitWorld, name: string, what: string, check: (p: PodView) => boolean, timeoutMs?: number): Promise<PodView> {
  return eventually(`Pod ${name} ${what}`, async () => {
    const p = await getPod(world, name);
    assert.ok(p, `Pod ${name} does not exist`);
    assert.ok(check(p), `Pod ${name} is not ${what}: ${JSON.stringify(p.status ?? {}).slice(0, 600)}`);
    return p;
  }, timeoutMs !== undefined ? { timeoutMs } : {});
}

const isReady = (p: PodView): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

Then('every node has an address, capacity, allocatable resources and a Ready condition that is True', async function (this: KitWorld) {
  await this.running();
  await eventually('every node registered and Ready', async () => {
    const nodes = (await this.kube.list<NodeView>({ apiVersion: 'v1', kind: 'Node' })).items;
    assert.ok(nodes.length > 0, 'no Node objects');
    for (const n of nodes) {
      const s = n.status ?? {};
      assert.ok((s.addresses ?? []).length > 0, `node ${n.metadata.name} has no address`);
      assert.ok(s.capacity?.['cpu'] && s.capacity['memory'] && s.capacity['pods'], `node ${n.metadata.name} reports no capacity`);
      assert.ok(s.allocatable?.['pods'], `node ${n.metadata.name} reports no allocatable resources`);
      assert.ok(s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), `node ${n.metadata.name} is not Ready`);
    }
  });
});

Then("every node's kubelet renews its Lease in the kube-node-lease namespace", async function (this: KitWorld) {
  const nodes = await workerNodes(this);
  const renewTimes = async (): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const node of nodes) {
      const lease = await this.kube.get<KubeObject & { spec?: { holderIdentity?: string; renewTime?: string } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: node, namespace: 'kube-node-lease' });
      assert.ok(lease?.spec?.renewTime, `node ${node} has no Lease with a renewTime`);
      assert.equal(lease.spec.holderIdentity, node);
      out.set(node, lease.spec.renewTime);
    }
    return out;
  };
  const first = await eventually('node Leases', renewTimes);
  await eventually('every Lease renewed', async () => {
    const now = await renewTimes();
    for (const node of nodes) assert.notEqual(now.get(node), first.get(node), `the Lease of ${node} was not renewed`);
  }, { timeoutMs: 60_000 });
});

When('I create a Pod {string} serving its name', async function (this: KitWorld, name: string) {
  await createPod(this, name, { containers: [container('serve', ['serve-hostname'], { readinessProbe: { tcpSocket: { port: 9376 }, periodSeconds: 1 } })] });
});

async function servingOnWorker(world: KitWorld, name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const [node] = await workerNodes(world);
  await createPod(world, name, { nodeName: node, containers: [container('serve', ['serve-hostname'], { readinessProbe: { tcpSocket: { port: 9376 }, periodSeconds: 1 } })], ...extra });
}

When('I create a Pod {string} serving its name on a worker node', async function (this: KitWorld, name: string) {
  await servingOnWorker(this, name);
});
Given('a Pod {string} serving its name on a worker node', async function (this: KitWorld, name: string) {
  await servingOnWorker(this, name);
});
Given('a Pod {string} serving its name on a worker node with a termination grace period of {int} seconds', async function (this: KitWorld, name: string, seconds: number) {
  await servingOnWorker(this, name, { terminationGracePeriodSeconds: seconds });
});

Then('Pod {string} is bound to a node', async function (this: KitWorld, name: string) {
  await podWhere(this, name, 'bound to a node', (p) => Boolean(p.spec.nodeName));
});

Then('Pod {string} is Running and Ready with a Pod IP', async function (this: KitWorld, name: string) {
  await podWhere(this, name, 'Running and Ready with a Pod IP', (p) => p.status?.phase === 'Running' && isReady(p) && Boolean(p.status.podIP), 60_000);
});

Then('Pod {string} has the conditions PodScheduled, Initialized, ContainersReady and Ready all True', async function (this: KitWorld, name: string) {
  await podWhere(this, name, 'with all four conditions True', (p) =>
    ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].every((t) => p.status?.conditions?.some((c) => c.type === t && c.status === 'True')));
});

Then('the container of Pod {string} is running and has not restarted', async function (this: KitWorld, name: string) {
  const p = await podWhere(this, name, 'with a running container', (x) => Boolean(x.status?.containerStatuses?.[0]?.state.running));
  assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 0);
});

When('I create a Pod {string} on a worker node with init containers {string} and {string} and restart policy Never', async function (this: KitWorld, name: string, a: string, b: string) {
  const [node] = await workerNodes(this);
  await createPod(this, name, { nodeName: node, restartPolicy: 'Never', initContainers: [container(a, ['write', a]), container(b, ['write', b])], containers: [container('app', ['exit', '0'])] });
});

Then('Pod {string} ends in phase {word}', async function (this: KitWorld, name: string, phase: string) {
  await podWhere(this, name, `in phase ${phase}`, (p) => p.status?.phase === phase, 60_000);
});

Then('the init containers of Pod {string} finished in order before its app container started', async function (this: KitWorld, name: string) {
  const p = await podWhere(this, name, 'finished', (x) => x.status?.phase === 'Succeeded');
  const inits = p.status?.initContainerStatuses ?? [];
  assert.equal(inits.length, 2);
  const times = inits.map((c) => c.state.terminated?.finishedAt ?? '');
  const appStart = p.status?.containerStatuses?.[0]?.state.terminated?.startedAt ?? '';
  assert.ok(times.every((t) => t !== '') && appStart !== '', `missing times: ${JSON.stringify({ times, appStart })}`);
  assert.ok(times[0]! <= times[1]! && times[1]! <= appStart, `order: first ${times[0]}, second ${times[1]}, app ${appStart}`);
});

When('I create a Pod {string} on a worker node whose container exits with code {int} and restart policy {word}', async function (this: KitWorld, name: string, code: number, policy: string) {
  const [node] = await workerNodes(this);
  await createPod(this, name, { nodeName: node, restartPolicy: policy, containers: [container('app', ['exit', String(code)])] });
});

Then('the container of Pod {string} has restarted at least {int} time(s)', async function (this: KitWorld, name: string, times: number) {
  await podWhere(this, name, `restarted ${times}+ times`, (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= times, 90_000);
});

Then('the container of Pod {string} terminated with exit code {int} and has not restarted', async function (this: KitWorld, name: string, code: number) {
  const p = await podWhere(this, name, 'terminated', (x) => x.status?.containerStatuses?.[0]?.state.terminated !== undefined);
  assert.equal(p.status?.containerStatuses?.[0]?.state.terminated?.exitCode, code);
  assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 0);
});

When('I create a Pod {string} on a worker node whose readiness probe fails', async function (this: KitWorld, name: string) {
  const [node] = await workerNodes(this);
  await createPod(this, name, { nodeName: node, containers: [container('app', ['pause'], { readinessProbe: { exec: { command: ['/bin/false'] }, periodSeconds: 1 } })] });
});

When('I create a Pod {string} on a worker node whose liveness probe fails', async function (this: KitWorld, name: string) {
  const [node] = await workerNodes(this);
  await createPod(this, name, { nodeName: node, terminationGracePeriodSeconds: 2, containers: [container('app', ['pause'], { livenessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 2 } })] });
});

Then('Pod {string} stays Running but not Ready', async function (this: KitWorld, name: string) {
  await podWhere(this, name, 'Running', (p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state.running !== undefined, 60_000);
  // Not Ready at every look until its container has run for 5 probe periods (1 s each).
  await podWhere(this, name, 'running for 5 probe periods', (p) => {
    assert.ok(!isReady(p), `Pod ${name} became Ready although its readiness probe fails`);
    const started = (p.status?.containerStatuses?.[0]?.state.running as { startedAt?: string } | undefined)?.startedAt;
    return started !== undefined && Date.now() - Date.parse(started) >= 5_000;
  }, 60_000);
});

Then(/^the kubelet reports a Warning Unhealthy event for Pod "([^"]+)" saying its (readiness|liveness) probe failed$/, async function (this: KitWorld, name: string, kind: string) {
  // The kubelet's own account of a failing probe (upstream: "Readiness probe failed: …").
  const prefix = `${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed`;
  await eventually(`a Warning Unhealthy event on Pod ${name} saying "${prefix}"`, async () => {
    const events = await eventsAbout(this, 'Pod', name);
    const found = events.find((e) => e.type === 'Warning' && e.reason === 'Unhealthy' && e.message.startsWith(prefix));
    assert.ok(found !== undefined, `events on ${name}: ${events.map((e) => `${e.type} ${e.reason}: ${e.message}`).join('; ') || 'none'}`);
  });
});

When('I delete Pod {string}', async function (this: KitWorld, name: string) {
  await this.kube.delete({ ...POD, name, namespace: await this.scenarioNamespace() });
});

Then('Pod {string} is gone well before its grace period ends', async function (this: KitWorld, name: string) {
  // The workload ends on SIGTERM, so the kubelet finishes the deletion long before the
  // 120 s grace period; a kubelet that only SIGKILLs after the grace period fails this.
  await eventually(`Pod ${name} to be gone`, async () => assert.equal(await getPod(this, name), undefined), { timeoutMs: 60_000 });
});

When('I place a static Pod manifest {string} on a worker node', async function (this: KitWorld, name: string) {
  const [node] = await workerNodes(this);
  const dir = (await this.port('topology')).staticPodPath?.(node!);
  assert.ok(dir, `the target cannot tell the static Pod folder of node ${node}`);
  const namespace = await this.scenarioNamespace();
  const file = join(dir, `${namespace}-${name}.yaml`);
  writeFileSync(file, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  containers:\n  - name: web\n    image: ${IMAGE}\n    args: [serve-hostname]\n`);
  this.remember(`static ${name}`, { file, node });
  this.onCleanUp(() => { try { unlinkSync(file); } catch { /* removed by the scenario */ } });
});

function mirrorName(world: KitWorld, name: string): string {
  return `${name}-${world.recall<{ node: string }>(`static ${name}`).node}`;
}

Then('the mirror Pod of {string} appears for that node and is Running', async function (this: KitWorld, name: string) {
  const p = await podWhere(this, mirrorName(this, name), 'a Running mirror Pod', (x) => x.status?.phase === 'Running' && Boolean(x.metadata.annotations?.['kubernetes.io/config.mirror']), 60_000);
  assert.equal(p.spec.nodeName, this.recall<{ node: string }>(`static ${name}`).node);
  this.remember(`mirror uid ${name}`, p.metadata.uid);
});

When('I delete the mirror Pod of {string}', async function (this: KitWorld, name: string) {
  await this.kube.delete({ ...POD, name: mirrorName(this, name), namespace: await this.scenarioNamespace() });
});

Then('the mirror Pod of {string} comes back', async function (this: KitWorld, name: string) {
  const old = this.recall<string>(`mirror uid ${name}`);
  await podWhere(this, mirrorName(this, name), 'back as a new mirror Pod', (x) => x.metadata.uid !== old && !x.metadata.deletionTimestamp, 60_000);
});

When('I remove the static Pod manifest {string}', function (this: KitWorld, name: string) {
  unlinkSync(this.recall<{ file: string }>(`static ${name}`).file);
});

Then('the mirror Pod of {string} disappears', async function (this: KitWorld, name: string) {
  await eventually(`the mirror Pod of ${name} to disappear`, async () => assert.equal(await getPod(this, mirrorName(this, name)), undefined), { timeoutMs: 60_000 });
});

Given('a RuntimeClass with handler {string}', async function (this: KitWorld, handler: string) {
  await this.running();
  const name = `kck-${handler}-${Math.random().toString(36).slice(2, 7)}`;
  await this.kube.create({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name }, handler });
  this.onCleanUp(() => this.kube.delete({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name }));
  this.remember('runtime class', name);
});

When('I create a Pod {string} serving its name on a worker node with that RuntimeClass', async function (this: KitWorld, name: string) {
  await servingOnWorker(this, name, { runtimeClassName: this.recall<string>('runtime class') });
});

When('I create a Pod {string} on a worker node with RuntimeClass {string}', async function (this: KitWorld, name: string, runtimeClass: string) {
  const [node] = await workerNodes(this);
  try {
    await createPod(this, name, { nodeName: node, runtimeClassName: runtimeClass, containers: [container('app', ['pause'])] });
    this.remember(`rejected ${name}`, '');
  } catch (error) {
    this.remember(`rejected ${name}`, error instanceof Error ? error.message : String(error));
  }
});

Then('Pod {string} is rejected or fails with reason RuntimeClassNotFound', async function (this: KitWorld, name: string) {
  const rejection = this.recall<string>(`rejected ${name}`);
  if (rejection !== '') {
    assert.match(rejection, /RuntimeClass .* not found/, `the Pod was refused for another reason: ${rejection}`);
    return;
  }
  const p = await podWhere(this, name, 'Failed', (x) => x.status?.phase === 'Failed', 60_000);
  assert.equal(p.status?.reason, 'RuntimeClassNotFound');
});

When('a client Pod {string} on another worker node dials Pod {string} on port {int}', async function (this: KitWorld, client: string, server: string, port: number) {
  const target = await podWhere(this, server, 'with a Pod IP', (p) => Boolean(p.status?.podIP));
  const nodes = await workerNodes(this);
  const other = nodes.find((n) => n !== target.spec.nodeName) ?? nodes[0];
  await createPod(this, client, { nodeName: other, restartPolicy: 'Never', containers: [container('dial', ['dial', target.status!.podIP!, String(port), server])] });
});

Then('the client Pod {string} got the answer {string}', async function (this: KitWorld, client: string, _answer: string) {
  // `dial` exits 0 only when the server answered with exactly the expected name.
  const p = await podWhere(this, client, 'finished', (x) => x.status?.phase === 'Succeeded' || x.status?.phase === 'Failed', 90_000);
  assert.equal(p.status?.phase, 'Succeeded', `the client did not get the answer: ${JSON.stringify(p.status?.containerStatuses?.[0]?.state)}`);
});

When('I create a Pod {string} on a worker node whose second container dials the first over localhost port {int}', async function (this: KitWorld, name: string, port: number) {
  const [node] = await workerNodes(this);
  await createPod(this, name, { nodeName: node, restartPolicy: 'Never', containers: [container('server', ['serve-hostname', '--tcp', String(port)]), container('dialer', ['dial', '127.0.0.1', String(port), name])] });
});

Then('the dialing container of Pod {string} terminated with exit code {int}', async function (this: KitWorld, name: string, code: number) {
  const p = await podWhere(this, name, 'with the dialer finished', (x) => x.status?.containerStatuses?.find((c) => c.name === 'dialer')?.state.terminated !== undefined, 60_000);
  assert.equal(p.status?.containerStatuses?.find((c) => c.name === 'dialer')?.state.terminated?.exitCode, code);
});

When('I create a Pod {string} on a worker node whose container writes {string}', async function (this: KitWorld, name: string, text: string) {
  const [node] = await workerNodes(this);
  await createPod(this, name, { nodeName: node, containers: [container('app', ['log', text])] });
});

Then('the logs of Pod {string} read through the API show {string}', async function (this: KitWorld, name: string, text: string) {
  // The apiserver proxies pods/log to the kubelet of the Pod's node (kubectl logs does the same).
  const namespace = await this.scenarioNamespace();
  await eventually(`the logs of ${name} to show "${text}"`, async () => {
    const res = await this.kube.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}/log?container=app`);
    assert.equal(res.status, 200, `GET pods/log answered ${res.status}: ${res.text.slice(0, 300)}`);
    assert.ok(res.text.split('\n').includes(text), `logs: ${res.text.slice(0, 300)}`);
  }, { timeoutMs: 60_000 });
});
