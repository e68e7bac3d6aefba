/** Scheduler scenarios: hand-made nodes and Pods through the KubeApi port; checks inside eventually(). */
import assert from 'node:assert/strict';
import { Given, Then, When, type DataTable } from '@cucumber/cucumber';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';
import { createHandMadeNodes, createPodForHandMadeNodes, eventsAbout, getPod, HAND_MADE, handMadeToleration, nodeName, POD, type HandMadeNode, type PodOptions, type PodView } from './support/control-plane-support.ts';

function aliases(text: string): string[] {
  return [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
}

function parseTaint(text: string): { key: string; value?: string; effect: string } {
  const m = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(text.trim());
  if (m === null) throw new Error(`taint "${text}" is not key[=value]:Effect`);
  return { key: m[1] ?? '', ...(m[2] !== undefined && m[2] !== '' ? { value: m[2] } : {}), effect: m[3] ?? '' };
}

/** "requesting 2 CPU", "selecting nodes labelled "k=v"", "requiring node affinity "zone in (a,b)"", "tolerating "k=v:E"", "using host port 8080". */
function podOptions(text: string): PodOptions {
  let m: RegExpExecArray | null;
  if ((m = /^requesting (\S+) CPU$/.exec(text)) !== null) return { cpu: m[1] ?? '0' };
  if (text === 'requesting nothing') return {};
  if ((m = /^selecting nodes labelled "([^=]+)=([^"]*)"$/.exec(text)) !== null) return { nodeSelector: { [m[1] ?? '']: m[2] ?? '' } };
  if ((m = /^tolerating "([^"]+)"$/.exec(text)) !== null) {
    const t = parseTaint(m[1] ?? '');
    return { tolerations: [{ key: t.key, operator: 'Equal', value: t.value ?? '', effect: t.effect }] };
  }
  if ((m = /^using host port (\d+)$/.exec(text)) !== null) return { hostPort: Number(m[1]) };
  throw new Error(`unknown Pod description "${text}"`);
}

function affinity(expr: string): Record<string, unknown> {
  const m = /^(\S+) in \(([^)]*)\)$/.exec(expr);
  if (m === null) throw new Error(`affinity "${expr}" is not "key in (a,b)"`);
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: m[1], operator: 'In', values: (m[2] ?? '').split(',').map((v) => v.trim()) }] }] } } };
}

Given(/^hand-made ready nodes? ((?:"[^"]+"(?:, | and )?)+) with (\d+) CPUs? each$/, async function (this: KitWorld, names: string, cpus: string) {
  await this.running();
  const nodes = aliases(names);
  await createHandMadeNodes(this, nodes.map((alias) => ({ alias, cpu: cpus })));
  await untilTheSchedulerSees(this, nodes);
});

/**
 * The scheduler learns of Nodes (and of the not-ready taint lifted from them) through a watch,
 * some time after the writes: a Pod created at once may be placed among the nodes it knows so
 * far. One probe Pod pinned to each node (by hostname, so no node is favoured) is bound only
 * once the scheduler sees that node as it now is; the probes are then deleted.
 */
async function untilTheSchedulerSees(world: KitWorld, nodes: readonly string[]): Promise<void> {
  const probes = nodes.map((alias) => `kck-probe-${alias}`);
  for (const [i, alias] of nodes.entries()) {
    await createPodForHandMadeNodes(world, probes[i] as string, { nodeSelector: { 'kubernetes.io/hostname': nodeName(world, alias) }, labels: { app: 'kck-probe' } });
  }
  for (const probe of probes) await boundNode(world, probe);
  for (const probe of probes) await world.kube.delete({ ...POD, name: probe, namespace: world.namespace }, { gracePeriodSeconds: 0 });
  await eventually('the probe Pods to be gone', async () => {
    const left = (await world.kube.list<PodView>(POD, { namespace: world.namespace, labelSelector: 'app=kck-probe' })).items;
    assert.equal(left.length, 0, `left: ${left.map((p) => p.metadata.name).join(', ')}`);
  });
}

Given('these hand-made nodes:', async function (this: KitWorld, table: DataTable) {
  await this.running();
  const specs: HandMadeNode[] = table.hashes().map((row) => {
    const spec: HandMadeNode = { alias: row['node'] ?? '', cpu: row['cpu'] ?? '2' };
    const label = row['label'] ?? '';
    if (label !== '') {
      const [k = '', v = ''] = label.split('=');
      spec.labels = { [k]: v };
    }
    if ((row['taint'] ?? '') !== '') spec.taints = [parseTaint(row['taint'] ?? '')];
    if (row['state'] === 'not-ready') spec.ready = false;
    if (row['state'] === 'unschedulable') spec.unschedulable = true;
    return spec;
  });
  await createHandMadeNodes(this, specs);
});

When('a hand-made ready node {string} with {int} CPUs joins', async function (this: KitWorld, alias: string, cpus: number) {
  await createHandMadeNodes(this, [{ alias, cpu: String(cpus) }]);
});

Given(/^on the hand-made node "([^"]+)" a Pod (.+)$/, async function (this: KitWorld, alias: string, what: string) {
  const n = (this.has('holder count') ? this.recall<number>('holder count') : 0) + 1;
  this.remember('holder count', n);
  await createPodForHandMadeNodes(this, `holder-${n}`, { ...podOptions(what), nodeName: nodeName(this, alias) });
});

When(/^I create a Pod "([^"]+)" for the hand-made nodes (requesting .+|selecting .+|tolerating .+|using host port .+)$/, async function (this: KitWorld, name: string, what: string) {
  await createPodForHandMadeNodes(this, name, podOptions(what));
});

When('I create a Pod {string} for the hand-made nodes requiring node affinity {string}', async function (this: KitWorld, name: string, expr: string) {
  const namespace = await this.scenarioNamespace();
  const pod = await this.kube.create<PodView>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }], nodeSelector: { [HAND_MADE]: namespace }, tolerations: [handMadeToleration(namespace)], affinity: affinity(expr), terminationGracePeriodSeconds: 0 },
  } as PodView);
  this.remember(`created pod ${name}`, pod);
});

When(/^I create Pods ((?:"[^"]+"(?:, | and )?)+) for the hand-made nodes requesting (\S+) CPU each$/, async function (this: KitWorld, names: string, cpu: string) {
  for (const name of aliases(names)) await createPodForHandMadeNodes(this, name, { cpu, labels: { app: 'spread' } });
});

When('I create a Pod {string} for the hand-made nodes handled by the scheduler {string}', async function (this: KitWorld, name: string, scheduler: string) {
  await createPodForHandMadeNodes(this, name, { schedulerName: scheduler });
});

When('I create a Pod {string} naming the hand-made node {string} itself', async function (this: KitWorld, name: string, alias: string) {
  await createPodForHandMadeNodes(this, name, { nodeName: nodeName(this, alias) });
});

Then('the Pod {string} had no node and was Pending when it was created', function (this: KitWorld, name: string) {
  const pod = this.recall<PodView>(`created pod ${name}`);
  assert.equal(pod.spec.nodeName, undefined, `the Pod was created with node ${pod.spec.nodeName ?? ''}`);
  assert.equal(pod.status?.phase, 'Pending');
});

async function boundNode(world: KitWorld, name: string): Promise<string> {
  return eventually(`Pod ${name} to be bound to a node`, async () => {
    const pod = await getPod(world, name);
    assert.ok(pod.spec.nodeName !== undefined, `Pod ${name} has no node yet (conditions: ${JSON.stringify(pod.status?.conditions ?? [])})`);
    return pod.spec.nodeName;
  });
}

Then('the Pod {string} gets bound to one of the hand-made nodes', async function (this: KitWorld, name: string) {
  const node = await boundNode(this, name);
  assert.ok([...this.recall<Set<string>>('hand-made nodes')].includes(node), `bound to ${node}, not a hand-made node`);
});

Then('the Pod {string} gets bound to the hand-made node {string}', async function (this: KitWorld, name: string, alias: string) {
  assert.equal(await boundNode(this, name), nodeName(this, alias));
});

Then('the Pod {string} has the condition PodScheduled True', async function (this: KitWorld, name: string) {
  await eventually(`Pod ${name} to have PodScheduled=True`, async () => {
    const pod = await getPod(this, name);
    assert.ok(pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True'), JSON.stringify(pod.status?.conditions ?? []));
  });
});

Then('a Scheduled event says the Pod {string} was assigned to its node', async function (this: KitWorld, name: string) {
  const node = (await getPod(this, name)).spec.nodeName ?? '';
  await eventually(`a Scheduled event for Pod ${name}`, async () => {
    const events = await eventsAbout(this, 'Pod', name);
    assert.ok(events.some((e) => e.reason === 'Scheduled' && e.message.includes(`${this.namespace}/${name}`) && e.message.includes(node)), `events: ${events.map((e) => `${e.reason}: ${e.message}`).join(' | ') || 'none'}`);
  });
});

Then(/^the Pods ((?:"[^"]+"(?:, | and )?)+) are bound to three different nodes$/, async function (this: KitWorld, names: string) {
  const nodes = new Set<string>();
  for (const name of aliases(names)) nodes.add(await boundNode(this, name));
  assert.equal(nodes.size, 3, `the Pods share nodes: ${[...nodes].join(', ')}`);
});

Then('the Pod {string} still has no node and no Scheduled event', async function (this: KitWorld, name: string) {
  const pod = await getPod(this, name);
  assert.equal(pod.spec.nodeName, undefined, `Pod ${name} was bound to ${pod.spec.nodeName ?? ''}`);
  assert.ok(!(await eventsAbout(this, 'Pod', name)).some((e) => e.reason === 'Scheduled'), 'a Scheduled event exists');
});

Then('the Pod {string} is still on the hand-made node {string} without a Scheduled event', async function (this: KitWorld, name: string, alias: string) {
  const pod = await getPod(this, name);
  assert.equal(pod.spec.nodeName, nodeName(this, alias));
  assert.ok(!(await eventsAbout(this, 'Pod', name)).some((e) => e.reason === 'Scheduled'), 'the scheduler touched a Pod that already named its node');
});

Then('the Pod {string} stays Pending with PodScheduled False and reason Unschedulable', async function (this: KitWorld, name: string) {
  await eventually(`Pod ${name} to be PodScheduled=False/Unschedulable`, async () => {
    const pod = await getPod(this, name);
    assert.equal(pod.spec.nodeName, undefined);
    assert.equal(pod.status?.phase, 'Pending');
    assert.ok(pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'), JSON.stringify(pod.status?.conditions ?? []));
  });
});

Then('a FailedScheduling event for the Pod {string} counts {string} and {string}', async function (this: KitWorld, name: string, first: string, second: string) {
  await eventually(`a FailedScheduling event for Pod ${name}`, async () => {
    const events = (await eventsAbout(this, 'Pod', name)).filter((e) => e.reason === 'FailedScheduling');
    // Other nodes of the cluster appear in the summary with their own reasons (their taints, or
    // not matching the Pod's selector), which the hand-made nodes' counts do not include.
    assert.ok(events.some((e) => /^0\/\d+ nodes are available: /.test(e.message) && e.message.includes(first) && e.message.includes(second)), `FailedScheduling events: ${events.map((e) => e.message).join(' | ') || 'none'}`);
  });
});
