/** Controller scenarios (ReplicaSet, Deployment, endpoints, garbage collection) through the KubeApi port. */
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import type { KubeObject, Watch } from '../src/ports/kube-api.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';
import { eventsAbout, handMadeToleration, POD, recordWatch, standInSelector, startStandInKubelet, type PodView } from './support/control-plane-support.ts';

const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet' } as const;
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
const ROLLOUT_TIMEOUT = { timeoutMs: 120_000 };

interface Workload extends KubeObject {
  spec: { replicas?: number; paused?: boolean; selector: { matchLabels: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> }; spec: { containers: { name: string; image: string; [k: string]: unknown }[]; [k: string]: unknown } }; [k: string]: unknown };
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: { type: string; status: string; reason?: string }[]; [k: string]: unknown };
}

function template(app: string, image: string, namespace: string): Workload['spec']['template'] {
  return { metadata: { labels: { app } }, spec: { nodeSelector: standInSelector(namespace), tolerations: [handMadeToleration(namespace)], terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }] } };
}

async function pods(world: KitWorld, app: string): Promise<PodView[]> {
  const list = await world.kube.list<PodView>(POD, { namespace: world.namespace, labelSelector: `app=${app}` });
  return list.items.filter((p) => p.metadata.deletionTimestamp === undefined);
}

const isReady = (p: PodView): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

Given('a ReplicaSet {string} of {int} Pods', async function (this: KitWorld, name: string, replicas: number) {
  const namespace = await (await this.running(), this.scenarioNamespace());
  const rs = await this.kube.create<Workload>({ ...RS, metadata: { name, namespace }, spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name, 'app:v1', namespace) } });
  this.remember(`replicaset ${name}`, rs);
  await eventually(`${replicas} Pods of ReplicaSet ${name}`, async () => assert.equal((await pods(this, name)).length, replicas));
});

Then(/^the ReplicaSet "([^"]+)" has (\d+) Pods, each with an ownerReference to it$/, async function (this: KitWorld, name: string, count: string) {
  const uid = this.recall<Workload>(`replicaset ${name}`).metadata.uid;
  await eventually(`ReplicaSet ${name} to own exactly ${count} Pods`, async () => {
    const list = await pods(this, name);
    assert.equal(list.length, Number(count), `Pods: ${list.map((p) => p.metadata.name).join(', ')}`);
    for (const p of list) assert.ok(p.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet' && o.uid === uid && o.controller === true), `${p.metadata.name ?? ''} is not owned by ${name}`);
  });
});

When('I delete one Pod of the ReplicaSet {string}', async function (this: KitWorld, name: string) {
  const victim = (await pods(this, name))[0];
  assert.ok(victim !== undefined, `the ReplicaSet ${name} has no Pod`);
  this.remember('deleted pod', victim.metadata.name);
  await this.kube.delete({ ...POD, name: victim.metadata.name ?? '', namespace: this.namespace });
});

Then(/^the ReplicaSet "([^"]+)" has (\d+) Pods again without the (?:deleted|relabelled) one$/, async function (this: KitWorld, name: string, count: string) {
  const gone = this.has('deleted pod') ? this.recall<string>('deleted pod') : this.recall<string>('relabelled pod');
  await eventually(`ReplicaSet ${name} to have ${count} Pods without ${gone}`, async () => {
    const list = await pods(this, name);
    assert.equal(list.length, Number(count), `Pods: ${list.map((p) => p.metadata.name).join(', ')}`);
    assert.ok(!list.some((p) => p.metadata.name === gone), `${gone} is still counted`);
  });
});

When('I create an orphan Pod {string} with the labels of the ReplicaSet {string}', async function (this: KitWorld, pod: string, name: string) {
  await this.kube.create({ ...POD, metadata: { name: pod, namespace: this.namespace, labels: { app: name } }, spec: template(name, 'app:v1', this.namespace).spec });
});

When('I relabel one Pod of the ReplicaSet {string} so that its selector no longer matches', async function (this: KitWorld, name: string) {
  const victim = (await pods(this, name))[0];
  assert.ok(victim !== undefined, `the ReplicaSet ${name} has no Pod`);
  this.remember('relabelled pod', victim.metadata.name);
  await this.kube.patch({ ...POD, name: victim.metadata.name ?? '', namespace: this.namespace }, { metadata: { labels: { app: `${name}-released` } } }, 'merge');
});

Then('that Pod has no ownerReference any more', async function (this: KitWorld) {
  const name = this.recall<string>('relabelled pod');
  await eventually(`Pod ${name} to be released`, async () => {
    const pod = await this.kube.get<PodView>({ ...POD, name, namespace: this.namespace });
    assert.ok(pod !== undefined, `${name} was deleted instead of released`);
    assert.equal((pod.metadata.ownerReferences ?? []).filter((o) => o.controller === true).length, 0, JSON.stringify(pod.metadata.ownerReferences));
  });
});

async function createDeployment(world: KitWorld, name: string, replicas: number, image: string, strategy: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
  await world.running();
  const namespace = await world.scenarioNamespace();
  await world.kube.create<Workload>({ ...DEPLOYMENT, metadata: { name, namespace }, spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name, image, namespace), strategy, ...extra } });
}

async function rolledOut(world: KitWorld, name: string, replicas: number, image: string): Promise<void> {
  await eventually(`Deployment ${name} to run ${replicas} ready Pods of ${image}`, async () => {
    const d = await world.kube.get<Workload>({ ...DEPLOYMENT, name, namespace: world.namespace });
    const progressing = d?.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.reason, 'NewReplicaSetAvailable', `Progressing: ${JSON.stringify(progressing)}`);
    assert.equal(d?.status?.updatedReplicas, replicas);
    const list = await pods(world, name);
    assert.equal(list.length, replicas, `Pods: ${list.map((p) => `${p.metadata.name ?? ''}(${p.spec.containers[0]?.image ?? ''})`).join(', ')}`);
    for (const p of list) {
      assert.equal(p.spec.containers[0]?.image, image);
      assert.ok(isReady(p), `${p.metadata.name ?? ''} is not ready`);
    }
  }, ROLLOUT_TIMEOUT);
}

Given('a Deployment {string} of {int} ready Pods of image {string} with maxSurge {int} and maxUnavailable {int}', async function (this: KitWorld, name: string, replicas: number, image: string, maxSurge: number, maxUnavailable: number) {
  await createDeployment(this, name, replicas, image, { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } });
  await startStandInKubelet(this);
  await rolledOut(this, name, replicas, image);
});

Given('a Deployment {string} of {int} ready Pods of image {string} with the Recreate strategy', async function (this: KitWorld, name: string, replicas: number, image: string) {
  await createDeployment(this, name, replicas, image, { type: 'Recreate' });
  await startStandInKubelet(this);
  await rolledOut(this, name, replicas, image);
});

Given('a Deployment {string} of {int} Pods that never become ready, with a progress deadline of {int} seconds', async function (this: KitWorld, name: string, replicas: number, seconds: number) {
  await createDeployment(this, name, replicas, 'app:v1', { type: 'RollingUpdate' }, { progressDeadlineSeconds: seconds });
});

Given('I watch the Pods of the Deployment {string}', async function (this: KitWorld, name: string) {
  this.remember('watched deployment', name);
  await recordWatch(this, POD, 'pod watch');
});

async function setImage(world: KitWorld, name: string, image: string): Promise<void> {
  await eventually(`image of ${name} to be set to ${image}`, async () => {
    const d = await world.kube.get<Workload>({ ...DEPLOYMENT, name, namespace: world.namespace });
    assert.ok(d !== undefined, 'the Deployment is gone');
    const containers = d.spec.template.spec.containers.map((c) => ({ ...c, image }));
    await world.kube.update<Workload>({ ...d, spec: { ...d.spec, template: { ...d.spec.template, spec: { ...d.spec.template.spec, containers } } } });
  });
}

When('I change the image of the Deployment {string} to {string}', async function (this: KitWorld, name: string, image: string) {
  await setImage(this, name, image);
});

Then('the Deployment {string} completes its rollout with {int} ready Pods of image {string}', async function (this: KitWorld, name: string, replicas: number, image: string) {
  await rolledOut(this, name, replicas, image);
});

/** Replays the recorded Pod watch and calls `check` with the Deployment's live (not terminating) Pods after every event. */
function replay(world: KitWorld, app: string, check: (live: PodView[]) => void): void {
  replayObjects<PodView>(world, 'pod watch', (all) => check(all.filter((p) => p.metadata.labels?.['app'] === app && p.metadata.deletionTimestamp === undefined)));
}

Given('I watch the Deployment {string} and its ReplicaSets', async function (this: KitWorld, name: string) {
  this.remember('watched deployment', name);
  await recordWatch(this, DEPLOYMENT, 'deployment watch');
  await recordWatch(this, RS, 'replicaset watch');
});

/** Replays a recorded watch: `check` sees the objects as they stood after each event. */
function replayObjects<T extends KubeObject>(world: KitWorld, label: string, check: (live: T[]) => void): number {
  const { initial, watch } = world.recall<{ initial: T[]; watch: Watch }>(label);
  const live = new Map<string, T>(initial.map((o) => [o.metadata.uid ?? '', o]));
  check([...live.values()]);
  let events = 0;
  for (const e of watch.events) {
    if (e.type === 'BOOKMARK' || e.type === 'ERROR') continue;
    const o = e.object as T;
    if (e.type === 'DELETED') live.delete(o.metadata.uid ?? '');
    else live.set(o.metadata.uid ?? '', o);
    events++;
    check([...live.values()]);
  }
  return events;
}

// The bounds hold for what the controller decides, as upstream's own e2e checks them
// (test/e2e/framework/deployment: the ReplicaSets' spec.replicas in all, and the Deployment's
// status.availableReplicas): the Pods themselves lag those decisions, so a count of live
// Pods may briefly exceed maxSurge on a real cluster while the old ReplicaSet's Pod deletion
// is still in flight.
Then('during the rollout the ReplicaSets of the Deployment {string} never asked for more than {int} Pods in all', async function (this: KitWorld, name: string, most: number) {
  const d = await this.kube.get<Workload>({ ...DEPLOYMENT, name, namespace: this.namespace });
  assert.ok(d !== undefined, `Deployment ${name} is gone`);
  const seen = new Set<string>();
  const events = replayObjects<Workload>(this, 'replicaset watch', (live) => {
    const owned = live.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid));
    for (const rs of owned) seen.add(rs.metadata.uid ?? '');
    const wanted = owned.reduce((sum, rs) => sum + (rs.spec.replicas ?? 1), 0);
    assert.ok(wanted <= most, `the ReplicaSets asked for ${wanted} Pods (more than ${most}): ${owned.map((rs) => `${rs.metadata.name ?? ''}=${rs.spec.replicas ?? 1}`).join(', ')}`);
  });
  assert.ok(events > 0 && seen.size >= 2, `the watch saw ${events} ReplicaSet events and ${seen.size} ReplicaSets of ${name}`);
});

Then('during the rollout the Deployment {string} never reported fewer than {int} available Pods', function (this: KitWorld, name: string, fewest: number) {
  let reports = 0;
  replayObjects<Workload>(this, 'deployment watch', (live) => {
    const d = live.find((o) => o.metadata.name === name);
    if (d === undefined) return;
    reports++;
    const available = d.status?.availableReplicas ?? 0;
    assert.ok(available >= fewest, `after report ${reports}: ${available} available Pods (fewer than ${fewest}); status ${JSON.stringify(d.status)}`);
  });
  assert.ok(reports > 1, `the watch recorded ${reports} states of Deployment ${name}`);
});

Then('the watch never showed Pods of {string} and {string} at the same time', function (this: KitWorld, a: string, b: string) {
  const name = this.recall<string>('watched deployment');
  let sawBoth = false;
  let sawNew = false;
  replay(this, name, (live) => {
    const images = new Set(live.map((p) => p.spec.containers[0]?.image));
    if (images.has(a) && images.has(b)) sawBoth = true;
    if (images.has(b)) sawNew = true;
  });
  assert.ok(sawNew, `the watch never showed a Pod of ${b}`);
  assert.ok(!sawBoth, `old (${a}) and new (${b}) Pods ran at the same time`);
});

async function replicaSetsOf(world: KitWorld, name: string): Promise<Workload[]> {
  const d = await world.kube.get<Workload>({ ...DEPLOYMENT, name, namespace: world.namespace });
  const list = await world.kube.list<Workload>(RS, { namespace: world.namespace });
  return list.items.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d?.metadata.uid));
}

Then('the Deployment {string} has {int} ReplicaSets, one per Pod template', async function (this: KitWorld, name: string, count: number) {
  const sets = await replicaSetsOf(this, name);
  assert.equal(sets.length, count, sets.map((s) => s.metadata.name).join(', '));
  const hashes = new Set(sets.map((s) => s.metadata.labels?.['pod-template-hash']));
  assert.equal(hashes.size, count, 'ReplicaSets share a pod-template-hash');
});

Then('a ScalingReplicaSet event was recorded for the Deployment {string}', async function (this: KitWorld, name: string) {
  await eventually(`a ScalingReplicaSet event for ${name}`, async () => {
    const events = await eventsAbout(this, 'Deployment', name);
    assert.ok(events.some((e) => e.reason === 'ScalingReplicaSet' && /^Scaled (up|down) replica set /.test(e.message)), events.map((e) => `${e.reason}: ${e.message}`).join(' | ') || 'no events');
  });
});

When('I roll the Deployment {string} back to revision {int}', async function (this: KitWorld, name: string, revision: number) {
  // What `kubectl rollout undo --to-revision` does: copy that ReplicaSet's Pod template back.
  const sets = await replicaSetsOf(this, name);
  const target = sets.find((s) => s.metadata.annotations?.['deployment.kubernetes.io/revision'] === String(revision));
  assert.ok(target !== undefined, `no ReplicaSet at revision ${revision}: ${sets.map((s) => s.metadata.annotations?.['deployment.kubernetes.io/revision']).join(', ')}`);
  const labels = { ...(target.spec.template.metadata?.labels ?? {}) };
  delete labels['pod-template-hash'];
  const d = await this.kube.get<Workload>({ ...DEPLOYMENT, name, namespace: this.namespace });
  assert.ok(d !== undefined, 'the Deployment is gone');
  await this.kube.update<Workload>({ ...d, spec: { ...d.spec, template: { ...target.spec.template, metadata: { ...target.spec.template.metadata, labels } } } });
});

Then('the Deployment {string} is at revision {int} and still has {int} ReplicaSets', async function (this: KitWorld, name: string, revision: number, count: number) {
  await eventually(`Deployment ${name} at revision ${revision}`, async () => {
    const d = await this.kube.get<Workload>({ ...DEPLOYMENT, name, namespace: this.namespace });
    assert.equal(d?.metadata.annotations?.['deployment.kubernetes.io/revision'], String(revision));
    assert.equal((await replicaSetsOf(this, name)).length, count);
  });
});

When('I pause the Deployment {string}', async function (this: KitWorld, name: string) {
  await this.kube.patch({ ...DEPLOYMENT, name, namespace: this.namespace }, { spec: { paused: true } }, 'merge');
});

When('I resume the Deployment {string}', async function (this: KitWorld, name: string) {
  await this.kube.patch({ ...DEPLOYMENT, name, namespace: this.namespace }, { spec: { paused: false } }, 'merge');
});

Then('the Deployment {string} reports that it is paused', async function (this: KitWorld, name: string) {
  await eventually(`Deployment ${name} to report DeploymentPaused`, async () => {
    const d = await this.kube.get<Workload>({ ...DEPLOYMENT, name, namespace: this.namespace });
    assert.equal(d?.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'DeploymentPaused');
    assert.equal(d?.status?.['observedGeneration'], d?.metadata.generation, 'the controller has not seen the latest spec yet');
  });
});

Then('the Deployment {string} has no ReplicaSet for image {string}', async function (this: KitWorld, name: string, image: string) {
  const sets = await replicaSetsOf(this, name);
  assert.ok(!sets.some((s) => s.spec.template.spec.containers[0]?.image === image), `a ReplicaSet for ${image} exists while paused`);
});

Then('the Deployment {string} reports Progressing False with reason ProgressDeadlineExceeded', async function (this: KitWorld, name: string) {
  await eventually(`Deployment ${name} to exceed its progress deadline`, async () => {
    const d = await this.kube.get<Workload>({ ...DEPLOYMENT, name, namespace: this.namespace });
    const c = d?.status?.conditions?.find((x) => x.type === 'Progressing');
    assert.ok(c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded', `Progressing: ${JSON.stringify(c) ?? 'none'}`);
  }, { timeoutMs: 90_000 });
});

Then('the Deployment {string} reports Available False', async function (this: KitWorld, name: string) {
  const d = await this.kube.get<Workload>({ ...DEPLOYMENT, name, namespace: this.namespace });
  assert.equal(d?.status?.conditions?.find((x) => x.type === 'Available')?.status, 'False');
});

Given('a Service {string} selecting the Pods of the Deployment {string} with target port {string}', async function (this: KitWorld, name: string, app: string, targetPort: string) {
  await this.kube.create({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: this.namespace }, spec: { selector: { app }, ports: [{ name: 'web', port: 80, targetPort }] } });
});

interface EndpointsView extends KubeObject {
  subsets?: { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[]; ports?: { port: number }[] }[];
}
interface SliceView extends KubeObject {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
  ports?: { port?: number }[];
}

async function checkEndpoints(world: KitWorld, name: string, ready: number, notReady: number, port?: number): Promise<void> {
  await eventually(`Service ${name} to have ${ready} ready and ${notReady} not ready endpoints`, async () => {
    const ep = await world.kube.get<EndpointsView>({ apiVersion: 'v1', kind: 'Endpoints', name, namespace: world.namespace });
    const subsets = ep?.subsets ?? [];
    assert.equal(subsets.flatMap((s) => s.addresses ?? []).length, ready, `Endpoints: ${JSON.stringify(subsets)}`);
    assert.equal(subsets.flatMap((s) => s.notReadyAddresses ?? []).length, notReady, `Endpoints: ${JSON.stringify(subsets)}`);
    if (port !== undefined) assert.ok(subsets.every((s) => s.ports?.[0]?.port === port), `ports: ${JSON.stringify(subsets.map((s) => s.ports))}`);
    const slices = await world.kube.list<SliceView>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }, { namespace: world.namespace, labelSelector: `kubernetes.io/service-name=${name}` });
    const endpoints = slices.items.flatMap((s) => s.endpoints ?? []);
    assert.equal(endpoints.filter((e) => e.conditions?.ready === true).length, ready, `EndpointSlices: ${JSON.stringify(slices.items.map((s) => s.endpoints))}`);
    assert.equal(endpoints.filter((e) => e.conditions?.ready !== true).length, notReady);
    if (port !== undefined) assert.ok(slices.items.filter((s) => (s.endpoints ?? []).length > 0).every((s) => s.ports?.[0]?.port === port), `EndpointSlices do not all name port ${port}`);
  });
}

Then('the Endpoints and EndpointSlices of the Service {string} list {int} ready addresses on port {int}', async function (this: KitWorld, name: string, ready: number, port: number) {
  await checkEndpoints(this, name, ready, 0, port);
});

Then('the Endpoints and EndpointSlices of the Service {string} list {int} ready and {int} not ready address', async function (this: KitWorld, name: string, ready: number, notReady: number) {
  await checkEndpoints(this, name, ready, notReady);
});

When('one Pod of the Deployment {string} stops being ready', async function (this: KitWorld, name: string) {
  const pod = (await pods(this, name))[0];
  assert.ok(pod !== undefined, 'the Pod is gone');
  await this.kube.updateStatus<PodView>({ ...pod, ...POD, status: { ...(pod.status ?? {}), conditions: [{ type: 'Ready', status: 'False' }] } });
});

When(/^I delete the (Deployment|ReplicaSet) "([^"]+)" with propagation policy (Background|Foreground|Orphan)$/, async function (this: KitWorld, kind: string, name: string, policy: 'Background' | 'Foreground' | 'Orphan') {
  const ref = kind === 'Deployment' ? DEPLOYMENT : RS;
  const before = await this.kube.get<Workload>({ ...ref, name, namespace: this.namespace });
  this.remember(`deleted ${name}`, before);
  this.remember(`pods of ${name}`, await pods(this, name));
  await this.kube.delete({ ...ref, name, namespace: this.namespace }, { propagationPolicy: policy });
});

Then('no ReplicaSet and no Pod of the Deployment {string} remain', async function (this: KitWorld, name: string) {
  await eventually(`the ReplicaSets and Pods of ${name} to be collected`, async () => {
    assert.equal((await this.kube.list(RS, { namespace: this.namespace })).items.length, 0, 'ReplicaSets remain');
    assert.equal((await pods(this, name)).length, 0, 'Pods remain');
  }, { timeoutMs: 60_000 });
});

Then('the Pods of the ReplicaSet {string} are gone before the ReplicaSet {string} itself', async function (this: KitWorld, name: string, same: string) {
  assert.equal(name, same);
  await eventually(`ReplicaSet ${name} to be deleted`, async () => {
    const rs = await this.kube.get({ ...RS, name, namespace: this.namespace });
    assert.equal(rs, undefined, 'the ReplicaSet still exists');
  }, { timeoutMs: 60_000 });
  // Foreground: by the time the owner is gone, its dependents must be gone too.
  const left = (await this.kube.list<PodView>(POD, { namespace: this.namespace })).items.filter((p) => p.metadata.labels?.['app'] === name);
  assert.equal(left.length, 0, `Pods outlived their foreground-deleted owner: ${left.map((p) => p.metadata.name).join(', ')}`);
});

Then('the {int} Pods of the ReplicaSet {string} remain, with no ownerReference', async function (this: KitWorld, count: number, name: string) {
  const uid = this.recall<Workload>(`deleted ${name}`).metadata.uid;
  await eventually(`Pods of ${name} to be orphaned`, async () => {
    assert.equal(await this.kube.get({ ...RS, name, namespace: this.namespace }), undefined, 'the ReplicaSet still exists');
    const list = await pods(this, name);
    assert.equal(list.length, count);
    for (const p of list) assert.ok(!(p.metadata.ownerReferences ?? []).some((o) => o.uid === uid), `${p.metadata.name ?? ''} still names its owner`);
  }, { timeoutMs: 60_000 });
});
