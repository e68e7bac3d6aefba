import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultProfile } from '../core/default-profile.ts';
import { schedule, type ScheduleResult } from '../core/schedule.ts';
import { addPod, buildSnapshot } from '../core/snapshot.ts';
import { makeNode, makePod, type NodeSpec, type PodSpecInput } from '../core/test-fixtures.ts';

const profile = defaultProfile();
const CP_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' } as const;

function run(nodes: NodeSpec[], pod: PodSpecInput, bound: PodSpecInput[] = []): ScheduleResult {
  return schedule(makePod(pod), buildSnapshot(nodes.map(makeNode), bound.map(makePod)), profile);
}

function nodeOf(r: ScheduleResult): string {
  assert.ok('node' in r, `expected a node, got ${'unschedulable' in r ? r.unschedulable.message : ''}`);
  return r.node;
}

function messageOf(r: ScheduleResult): string {
  assert.ok('unschedulable' in r, `expected unschedulable, got node ${'node' in r ? r.node : ''}`);
  return r.unschedulable.message;
}

const table: { name: string; nodes: NodeSpec[]; pod: PodSpecInput; bound?: PodSpecInput[]; node?: string; message?: string }[] = [
  {
    name: 'summarises reasons as upstream FitError does',
    nodes: [{ name: 'a', cpu: '1' }, { name: 'b', taints: [CP_TAINT] }, { name: 'c', taints: [CP_TAINT] }],
    pod: { name: 'p', cpu: '2' },
    message: '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.',
  },
  { name: 'insufficient memory counts bound pods', nodes: [{ name: 'a', memory: '1Gi' }], pod: { name: 'p', memory: '600Mi' }, bound: [{ name: 'q', memory: '500Mi', nodeName: 'a' }], message: '0/1 nodes are available: 1 Insufficient memory.' },
  { name: 'too many pods', nodes: [{ name: 'a', pods: 1 }], pod: { name: 'p' }, bound: [{ name: 'q', nodeName: 'a' }], message: '0/1 nodes are available: 1 Too many pods.' },
  { name: 'tolerating the control-plane taint lands there', nodes: [{ name: 'cp', taints: [CP_TAINT] }], pod: { name: 'p', tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] }, node: 'cp' },
  { name: 'nodeSelector', nodes: [{ name: 'a' }, { name: 'b', labels: { disk: 'ssd' } }], pod: { name: 'p', nodeSelector: { disk: 'ssd' } }, node: 'b' },
  { name: 'nodeSelector matching nothing', nodes: [{ name: 'a' }], pod: { name: 'p', nodeSelector: { disk: 'ssd' } }, message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector." },
  { name: 'unschedulable node', nodes: [{ name: 'a', unschedulable: true }, { name: 'b' }], pod: { name: 'p' }, node: 'b' },
  { name: 'cordoned only', nodes: [{ name: 'a', unschedulable: true }], pod: { name: 'p' }, message: '0/1 nodes are available: 1 node(s) were unschedulable.' },
  { name: 'not ready node', nodes: [{ name: 'a', ready: 'False' }, { name: 'b', ready: 'Unknown' }], pod: { name: 'p' }, message: '0/2 nodes are available: 2 node(s) were not ready.' },
  { name: 'host port conflict', nodes: [{ name: 'a' }, { name: 'b' }], pod: { name: 'p', hostPort: 8080 }, bound: [{ name: 'q', hostPort: 8080, nodeName: 'a' }], node: 'b' },
  { name: 'host port conflict everywhere', nodes: [{ name: 'a' }], pod: { name: 'p', hostPort: 8080 }, bound: [{ name: 'q', hostPort: 8080, nodeName: 'a' }], message: "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports." },
  { name: 'anti-affinity on hostname', nodes: [{ name: 'a' }, { name: 'b' }], pod: { name: 'p', labels: { app: 'x' }, antiAffinityOn: { app: 'x' } }, bound: [{ name: 'q', labels: { app: 'x' }, nodeName: 'a' }], node: 'b' },
  { name: 'existing pod anti-affinity vetoes', nodes: [{ name: 'a' }, { name: 'b' }], pod: { name: 'p', labels: { app: 'x' } }, bound: [{ name: 'q', antiAffinityOn: { app: 'x' }, nodeName: 'a' }], node: 'b' },
  { name: 'least allocated wins', nodes: [{ name: 'a' }, { name: 'b' }], pod: { name: 'p', cpu: '1' }, bound: [{ name: 'q', cpu: '2', nodeName: 'a' }], node: 'b' },
  { name: 'PreferNoSchedule is avoided', nodes: [{ name: 'a', taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }, { name: 'b' }], pod: { name: 'p' }, node: 'b' },
  { name: 'PreferNoSchedule is used when nothing else fits', nodes: [{ name: 'a', taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }], pod: { name: 'p' }, node: 'a' },
  { name: 'replicas spread', nodes: [{ name: 'a' }, { name: 'b' }], pod: { name: 'p', ownerUid: 'rs1' }, bound: [{ name: 'q', ownerUid: 'rs1', nodeName: 'a' }], node: 'b' },
  { name: 'no nodes', nodes: [], pod: { name: 'p' }, message: 'no nodes available to schedule pods' },
];

for (const row of table) {
  void test(`schedule: ${row.name}`, () => {
    const r = run(row.nodes, row.pod, row.bound);
    if (row.node !== undefined) assert.equal(nodeOf(r), row.node);
    if (row.message !== undefined) assert.equal(messageOf(r), row.message);
  });
}

void test('schedule: preferred node affinity wins over an equal node', () => {
  const pod = makePod({ name: 'p' });
  pod.spec.affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] } }] } };
  const snapshot = buildSnapshot([makeNode({ name: 'a', labels: { zone: 'z1' } }), makeNode({ name: 'b', labels: { zone: 'z2' } })], []);
  assert.equal(nodeOf(schedule(pod, snapshot, profile)), 'b');
});

void test('schedule: required node affinity terms are ORed', () => {
  const pod = makePod({ name: 'p' });
  pod.spec.affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z9'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }],
      },
    },
  };
  const snapshot = buildSnapshot([makeNode({ name: 'a' }), makeNode({ name: 'b' })], []);
  assert.equal(nodeOf(schedule(pod, snapshot, profile)), 'b');
});

void test('schedule: assumed pods fill nodes one after another', () => {
  const snapshot = buildSnapshot([makeNode({ name: 'a', cpu: '1' }), makeNode({ name: 'b', cpu: '1' })], []);
  const placed: string[] = [];
  for (let i = 0; i < 3; i++) {
    const pod = makePod({ name: `p${i}`, cpu: '600m' });
    const r = schedule(pod, snapshot, profile);
    if ('node' in r) {
      addPod(snapshot, pod, r.node);
      placed.push(r.node);
    } else placed.push(r.unschedulable.message);
  }
  assert.deepEqual(placed, ['a', 'b', '0/2 nodes are available: 2 Insufficient cpu.']);
});

void test('schedule: terminal pods free their resources', () => {
  const done = makePod({ name: 'q', cpu: '1', nodeName: 'a' });
  done.status = { phase: 'Succeeded' };
  assert.equal(nodeOf(schedule(makePod({ name: 'p', cpu: '1' }), buildSnapshot([makeNode({ name: 'a', cpu: '1' })], [done]), profile)), 'a');
});

void test('schedule: ties are broken by the injected random source', () => {
  const snapshot = buildSnapshot([makeNode({ name: 'a' }), makeNode({ name: 'b' })], []);
  const pod = makePod({ name: 'p' });
  assert.equal(nodeOf(schedule(pod, snapshot, profile)), 'a');
  assert.equal(nodeOf(schedule(pod, snapshot, profile, { random: () => 0 })), 'b');
  assert.equal(nodeOf(schedule(pod, snapshot, profile, { random: () => 0.99 })), 'a');
});
