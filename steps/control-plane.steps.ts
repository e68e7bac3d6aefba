/** Control-plane scenarios: node lifecycle, the master node, leader election and fail-over. */
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import type { KubeObject } from '../src/ports/kube-api.ts';
import type { ComponentInstance } from '../src/ports/topology.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';
import { HAND_MADE, handMadeToleration, LEASE, NODE, nodeName, POD, silence, type NodeView, type PodView } from './support/control-plane-support.ts';

const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet' } as const;
const CP_LABEL = 'node-role.kubernetes.io/control-plane';
/** Grace period (40 s upstream default) plus monitor period and slack for a loaded machine. */
const NODE_LIFECYCLE_TIMEOUT = { timeoutMs: 150_000 };

async function node(world: KitWorld, alias: string): Promise<NodeView> {
  const n = await world.kube.get<NodeView>({ ...NODE, name: nodeName(world, alias) });
  assert.ok(n !== undefined, `hand-made node ${alias} is gone`);
  return n;
}

async function setCordon(world: KitWorld, alias: string, unschedulable: boolean): Promise<void> {
  await world.kube.patch({ ...NODE, name: nodeName(world, alias) }, { spec: { unschedulable } }, 'merge');
}

Given('the hand-made node {string} is cordoned', async function (this: KitWorld, alias: string) {
  await setCordon(this, alias, true);
});

When('the hand-made node {string} is uncordoned', async function (this: KitWorld, alias: string) {
  await setCordon(this, alias, false);
});

Given('a ReplicaSet {string} of {int} Pod(s) for the hand-made nodes whose Pods tolerate an unreachable node for {int} seconds', async function (this: KitWorld, name: string, replicas: number, seconds: number) {
  const namespace = await this.scenarioNamespace();
  await this.kube.create({
    ...RS,
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: { [HAND_MADE]: namespace },
          terminationGracePeriodSeconds: 0,
          tolerations: [handMadeToleration(namespace), { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }],
          containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }],
        },
      },
    },
  });
});

async function podsOf(world: KitWorld, app: string): Promise<PodView[]> {
  return (await world.kube.list<PodView>(POD, { namespace: world.namespace, labelSelector: `app=${app}` })).items;
}

Given('the Pods of the ReplicaSet {string} run on the hand-made node {string}', async function (this: KitWorld, name: string, alias: string) {
  const pods = await eventually(`the Pods of ${name} to be bound to ${alias}`, async () => {
    const list = await podsOf(this, name);
    assert.ok(list.length > 0 && list.every((p) => p.spec.nodeName === nodeName(this, alias)), list.map((p) => `${p.metadata.name ?? ''}@${p.spec.nodeName ?? '-'}`).join(', '));
    return list;
  });
  this.remember(`first pods of ${name}`, pods.map((p) => p.metadata.uid));
});

When('the kubelet of the hand-made node {string} stops reporting', function (this: KitWorld, alias: string) {
  silence(this, alias);
});

Then('the hand-made node {string} becomes Ready Unknown', async function (this: KitWorld, alias: string) {
  await eventually(`node ${alias} to be Ready=Unknown`, async () => {
    const ready = (await node(this, alias)).status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'Unknown', JSON.stringify(ready));
  }, NODE_LIFECYCLE_TIMEOUT);
});

Then('the hand-made node {string} is tainted node.kubernetes.io\\/unreachable with effects NoSchedule and NoExecute', async function (this: KitWorld, alias: string) {
  await eventually(`node ${alias} to carry the unreachable taints`, async () => {
    const taints = (await node(this, alias)).spec?.taints ?? [];
    for (const effect of ['NoSchedule', 'NoExecute']) assert.ok(taints.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === effect), JSON.stringify(taints));
  });
});

Then('the Pods of the ReplicaSet {string} are evicted from the hand-made node {string} and replaced on the hand-made node {string}', async function (this: KitWorld, name: string, from: string, to: string) {
  const first = this.recall<string[]>(`first pods of ${name}`);
  await eventually(`the Pods of ${name} to move from ${from} to ${to}`, async () => {
    const list = await podsOf(this, name);
    const live = list.filter((p) => p.metadata.deletionTimestamp === undefined);
    for (const p of list.filter((x) => first.includes(x.metadata.uid ?? ''))) assert.ok(p.metadata.deletionTimestamp !== undefined, `${p.metadata.name ?? ''} was not evicted`);
    assert.equal(live.length, first.length, `live Pods: ${live.map((p) => p.metadata.name).join(', ')}`);
    for (const p of live) assert.equal(p.spec.nodeName, nodeName(this, to), `${p.metadata.name ?? ''} is on ${p.spec.nodeName ?? 'no node'}`);
  }, NODE_LIFECYCLE_TIMEOUT);
});

Then('the hand-made node {string} is still Ready', async function (this: KitWorld, alias: string) {
  const ready = (await node(this, alias)).status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
});

Then('some node is labelled node-role.kubernetes.io\\/control-plane', async function (this: KitWorld) {
  await this.running();
  const nodes = await this.kube.list<NodeView>(NODE, { labelSelector: CP_LABEL });
  assert.ok(nodes.items.length > 0, 'no node carries the control-plane role label');
  this.remember('control-plane nodes', nodes.items.map((n) => n.metadata.name ?? ''));
});

Then('every node labelled node-role.kubernetes.io\\/control-plane is tainted node-role.kubernetes.io\\/control-plane:NoSchedule', async function (this: KitWorld) {
  const nodes = await this.kube.list<NodeView>(NODE, { labelSelector: CP_LABEL });
  for (const n of nodes.items) assert.ok((n.spec?.taints ?? []).some((t) => t.key === CP_LABEL && t.effect === 'NoSchedule'), `${n.metadata.name ?? ''} is not tainted: ${JSON.stringify(n.spec?.taints ?? [])}`);
});

When('I create {int} Pods that do not tolerate the control-plane taint', async function (this: KitWorld, count: number) {
  const namespace = await this.scenarioNamespace();
  for (let i = 0; i < count; i++) {
    await this.kube.create({ ...POD, metadata: { name: `ordinary-${i}`, namespace, labels: { app: 'ordinary' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] } });
  }
});

Then('none of them is bound to a control-plane node', async function (this: KitWorld) {
  const cp = this.recall<string[]>('control-plane nodes');
  const pods = await eventually('the ordinary Pods to be bound', async () => {
    const list = await podsOf(this, 'ordinary');
    assert.ok(list.every((p) => p.spec.nodeName !== undefined), 'some Pods are not bound yet');
    return list;
  }, { timeoutMs: 90_000 });
  for (const p of pods) assert.ok(!cp.includes(p.spec.nodeName ?? ''), `${p.metadata.name ?? ''} landed on control-plane node ${p.spec.nodeName ?? ''}`);
});

When('I create a Pod {string} that tolerates the control-plane taint and selects the control-plane node', async function (this: KitWorld, name: string) {
  const target = this.recall<string[]>('control-plane nodes')[0] ?? '';
  await this.kube.create({
    ...POD,
    metadata: { name, namespace: this.namespace },
    spec: { terminationGracePeriodSeconds: 0, nodeSelector: { 'kubernetes.io/hostname': target }, tolerations: [{ key: CP_LABEL, operator: 'Exists', effect: 'NoSchedule' }], containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] },
  });
});

Then('the Pod {string} is bound to the control-plane node', async function (this: KitWorld, name: string) {
  const cp = this.recall<string[]>('control-plane nodes');
  await eventually(`Pod ${name} to be bound to a control-plane node`, async () => {
    const pod = await this.kube.get<PodView>({ ...POD, name, namespace: this.namespace });
    assert.ok(cp.includes(pod?.spec.nodeName ?? ''), `bound to ${pod?.spec.nodeName ?? 'nothing'}`);
  }, { timeoutMs: 90_000 });
});

interface LeaseView extends KubeObject {
  spec?: { holderIdentity?: string };
}

/** The component instance a Lease holder identity names (instance name or host, then "_"). */
function instanceOf(instances: readonly ComponentInstance[], holder: string): ComponentInstance | undefined {
  const who = holder.split('_')[0] ?? '';
  return instances.find((i) => i.name === who) ?? instances.find((i) => i.host === who);
}

async function leaseHolder(world: KitWorld, lease: string): Promise<string> {
  const l = await world.kube.get<LeaseView>({ ...LEASE, name: lease, namespace: 'kube-system' });
  const holder = l?.spec?.holderIdentity ?? '';
  assert.ok(holder !== '', `Lease ${lease} has no holder`);
  return holder;
}

Then(/^exactly one (kube-scheduler|kube-controller-manager) instance holds the Lease "([^"]+)"$/, async function (this: KitWorld, component: string, lease: string) {
  const topology = await this.port('topology');
  const instances = (await topology.controlPlane()).filter((c) => c.component === component);
  assert.ok(instances.length >= 2, `only ${instances.length} ${component} instance(s): not highly available`);
  const holder = await eventually(`a holder of Lease ${lease}`, () => leaseHolder(this, lease));
  const leader = instanceOf(instances, holder);
  assert.ok(leader !== undefined, `the holder ${holder} is none of ${instances.map((i) => i.name).join(', ')}`);
  this.remember(`leader of ${lease}`, { holder, instance: leader.name });
});

When(/^I kill the (kube-scheduler|kube-controller-manager) instance holding the Lease "([^"]+)"$/, async function (this: KitWorld, component: string, lease: string) {
  const topology = await this.port('topology');
  const instances = (await topology.controlPlane()).filter((c) => c.component === component);
  const holder = await leaseHolder(this, lease);
  const leader = instanceOf(instances, holder);
  assert.ok(leader !== undefined, `the holder ${holder} is none of ${instances.map((i) => i.name).join(', ')}`);
  this.remember(`leader of ${lease}`, { holder, instance: leader.name });
  const faults = await this.port('faults');
  await faults.kill(leader.name);
  this.onCleanUp(() => faults.start(leader.name));
});

Then(/^another (kube-scheduler|kube-controller-manager) instance holds the Lease "([^"]+)"$/, async function (this: KitWorld, _component: string, lease: string) {
  const before = this.recall<{ holder: string; instance: string }>(`leader of ${lease}`);
  // A standby takes over after leaseDuration (15 s upstream) plus a retry period.
  await eventually(`a new holder of Lease ${lease}`, async () => {
    const holder = await leaseHolder(this, lease);
    assert.notEqual(holder, before.holder, `${before.instance} still holds the Lease`);
  }, { timeoutMs: 60_000 });
});
