import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Pod } from '../../client-machinery/core/api-types.ts';
import type { Action } from '../core/actions.ts';
import { reconcileDeployment, REVISION, surgeAndUnavailable } from '../core/deployment.ts';
import { reconcileReplicaSet } from '../core/replica-set.ts';
import type { Deployment, ReplicaSet } from '../core/workload-types.ts';

const template = (image: string): ReplicaSet['spec']['template'] => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });

function rs(replicas: number, uid = 'rs-uid'): ReplicaSet {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'ns', uid, generation: 1 }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template('a') } };
}

function pod(name: string, opts: { owner?: string; labels?: Record<string, string>; ready?: boolean; node?: string; cost?: string; created?: string } = {}): Pod {
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: `u-${name}`, labels: opts.labels ?? { app: 'web' }, creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z' }, spec: { containers: [] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] } };
  if (opts.owner !== undefined) p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: opts.owner, controller: true }];
  if (opts.node !== undefined) p.spec.nodeName = opts.node;
  if (opts.cost !== undefined) p.metadata.annotations = { 'controller.kubernetes.io/pod-deletion-cost': opts.cost };
  return p;
}

const kinds = (actions: Action[]): string[] => actions.map((a) => a.type);

void test('replicaset: creates the missing replicas with an owner reference', () => {
  const plan = reconcileReplicaSet(rs(3), [pod('a', { owner: 'rs-uid' })], 0);
  assert.equal(plan.creations, 2);
  const created = plan.actions.filter((a) => a.type === 'create');
  assert.equal(created.length, 2);
  const obj = created[0]!.type === 'create' ? (created[0]!.object as Pod) : undefined;
  assert.equal(obj?.metadata.generateName, 'web-');
  assert.deepEqual(obj?.metadata.ownerReferences?.[0], { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true });
});

void test('replicaset: adopts a matching orphan and deletes one extra, by deletion cost', () => {
  const pods = [pod('a', { owner: 'rs-uid', node: 'n', cost: '5' }), pod('b', { owner: 'rs-uid', node: 'n', cost: '-1' }), pod('orphan', { node: 'n', cost: '10' })];
  const plan = reconcileReplicaSet(rs(2), pods, 0);
  assert.deepEqual(kinds(plan.actions), ['patch', 'delete', 'updateStatus']);
  const del = plan.actions[1];
  assert.ok(del?.type === 'delete' && del.key.name === 'b', 'lowest pod-deletion-cost goes first');
});

void test('replicaset: unready and unassigned pods go before ready ones; foreign pods are ignored', () => {
  const pods = [pod('ready', { owner: 'rs-uid', node: 'n' }), pod('unready', { owner: 'rs-uid', node: 'n', ready: false }), pod('pending', { owner: 'rs-uid' }), pod('other', { owner: 'someone' })];
  const plan = reconcileReplicaSet(rs(1), pods, 0);
  assert.deepEqual(plan.actions.filter((a) => a.type === 'delete').map((a) => (a.type === 'delete' ? a.key.name : '')), ['pending', 'unready']);
});

void test('replicaset: releases an owned pod whose labels no longer match', () => {
  const plan = reconcileReplicaSet(rs(1), [pod('a', { owner: 'rs-uid', labels: { app: 'other' } })], 0);
  assert.deepEqual(kinds(plan.actions), ['patch', 'create', 'updateStatus']);
});

function deployment(replicas: number, image: string, strategy: Deployment['spec']['strategy']): Deployment {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 1 }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template(image), ...(strategy !== undefined ? { strategy } : {}) } };
}

/**
 * Simulates the Deployment controller with an instant ReplicaSet controller whose new Pods
 * become available one tick later; returns the (total, available) history.
 */
function simulate(d: Deployment, start: ReplicaSet[], ticks: number): { history: { total: number; available: number; reported?: number }[]; sets: ReplicaSet[] } {
  let sets = start;
  let uid = 0;
  const history: { total: number; available: number; reported?: number }[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const result = reconcileDeployment({ deployment: d, replicaSets: sets, pods: [], now: 1_000_000 + tick * 1000 });
    for (const a of result.actions) {
      if (a.type === 'create') sets = [...sets, { ...(a.object as ReplicaSet), metadata: { ...(a.object as ReplicaSet).metadata, uid: `new-${uid++}`, creationTimestamp: `2026-01-01T00:00:${String(10 + tick).padStart(2, '0')}Z` }, status: { replicas: 0, availableReplicas: 0 } }];
      if (a.type === 'update') sets = sets.map((s) => (s.metadata.name === a.object.metadata.name ? (a.object as ReplicaSet) : s));
      if (a.type === 'updateStatus') d = a.object as Deployment;
      if (a.type === 'delete') sets = sets.filter((s) => s.metadata.name !== a.key.name);
    }
    // ReplicaSet controller: Pods follow spec at once; those that existed a tick become available.
    sets = sets.map((s) => {
      const want = s.spec.replicas ?? 0;
      const before = s.status?.replicas ?? 0;
      const available = Math.min(want, s.status?.availableReplicas ?? 0, before) + Math.max(0, Math.min(want, before) - Math.min(want, s.status?.availableReplicas ?? 0, before));
      return { ...s, status: { replicas: want, availableReplicas: Math.min(available, want), readyReplicas: Math.min(available, want) } };
    });
    const total = sets.reduce((n, s) => n + (s.status?.replicas ?? 0), 0);
    const available = sets.reduce((n, s) => n + (s.status?.availableReplicas ?? 0), 0);
    // What the Deployment's status said after this tick (what clients and upstream's e2e read).
    const reported = d.status?.availableReplicas;
    history.push({ total, available, ...(reported === undefined ? {} : { reported }) });
  }
  return { history, sets };
}

void test('property: a RollingUpdate stays within maxSurge/maxUnavailable and completes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 }), fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom('25%', '50%', '0%')), fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom('25%', '50%', '0%')), (replicas, maxSurge, maxUnavailable) => {
      const d1 = deployment(replicas, 'a', { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } });
      const first = simulate(d1, [], 40);
      const old = first.sets;
      assert.equal(old.length, 1);
      assert.equal(old[0]?.status?.availableReplicas, replicas);
      const d2 = deployment(replicas, 'b', { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } });
      const bounds = surgeAndUnavailable(d2);
      const { history, sets } = simulate(d2, old, 200);
      for (const h of history) {
        assert.ok(h.total <= replicas + bounds.maxSurge, `total ${h.total} > ${replicas}+${bounds.maxSurge}`);
        assert.ok(h.available >= replicas - bounds.maxUnavailable, `available ${h.available} < ${replicas}-${bounds.maxUnavailable}`);
        if (h.reported !== undefined) assert.ok(h.reported >= replicas - bounds.maxUnavailable, `status.availableReplicas ${h.reported} < ${replicas}-${bounds.maxUnavailable}`);
      }
      const newest = sets.find((s) => s.spec.template.spec.containers[0]?.image === 'b');
      assert.equal(newest?.spec.replicas, replicas);
      assert.equal(sets.filter((s) => s !== newest).reduce((n, s) => n + (s.spec.replicas ?? 0), 0), 0);
      assert.equal(newest?.metadata.annotations?.[REVISION], '2');
    }),
    { numRuns: 80 },
  );
});

void test('deployment: Recreate scales old to zero before the new one comes up', () => {
  const first = simulate(deployment(3, 'a', { type: 'Recreate' }), [], 20).sets;
  const { history, sets } = simulate(deployment(3, 'b', { type: 'Recreate' }), first, 20);
  const newest = sets.find((s) => s.spec.template.spec.containers[0]?.image === 'b');
  assert.equal(newest?.spec.replicas, 3);
  assert.ok(history.some((h) => h.total === 0), 'there is a moment with no Pods at all');
});

void test('deployment: rollback reuses the old ReplicaSet with the next revision; history limit deletes old sets', () => {
  const strategy = { type: 'RollingUpdate' as const, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  let sets = simulate(deployment(2, 'a', strategy), [], 30).sets;
  sets = simulate(deployment(2, 'b', strategy), sets, 60).sets;
  assert.equal(sets.length, 2);
  sets = simulate(deployment(2, 'a', strategy), sets, 60).sets;
  assert.equal(sets.length, 2, 'no third ReplicaSet for a template that came back');
  const back = sets.find((s) => s.spec.template.spec.containers[0]?.image === 'a');
  assert.equal(back?.metadata.annotations?.[REVISION], '3');
  assert.equal(back?.spec.replicas, 2);
  const limited = { ...deployment(2, 'c', strategy) };
  limited.spec.revisionHistoryLimit = 0;
  sets = simulate(limited, sets, 80).sets;
  assert.deepEqual(sets.map((s) => s.spec.template.spec.containers[0]?.image), ['c']);
});

void test('deployment: paused makes no rollout progress and says so', () => {
  const sets = simulate(deployment(2, 'a', undefined), [], 20).sets;
  const paused = deployment(2, 'b', undefined);
  paused.spec.paused = true;
  const result = reconcileDeployment({ deployment: paused, replicaSets: sets, pods: [], now: 0 });
  assert.ok(!result.actions.some((a) => a.type === 'create'));
  const status = result.actions.find((a) => a.type === 'updateStatus');
  const cond = status?.type === 'updateStatus' ? (status.object as Deployment).status?.conditions?.find((c) => c.type === 'Progressing') : undefined;
  assert.equal(cond?.reason, 'DeploymentPaused');
});

void test('deployment: ProgressDeadlineExceeded when no progress within the deadline', () => {
  const d = deployment(2, 'a', undefined);
  d.spec.progressDeadlineSeconds = 10;
  const rsStuck: ReplicaSet = { ...rs(2, 'x'), metadata: { ...rs(2, 'x').metadata, name: 'web-x', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }], annotations: { [REVISION]: '1' } }, spec: { ...rs(2).spec, replicas: 2 }, status: { replicas: 2, availableReplicas: 0 } };
  const at = (now: number, dep: Deployment): Deployment => {
    const r = reconcileDeployment({ deployment: dep, replicaSets: [rsStuck], pods: [], now });
    const s = r.actions.find((a) => a.type === 'updateStatus');
    return s?.type === 'updateStatus' ? (s.object as Deployment) : dep;
  };
  const d1 = at(1_000_000, d);
  assert.equal(d1.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ReplicaSetUpdated');
  const d2 = at(1_005_000, d1);
  assert.equal(d2.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ReplicaSetUpdated');
  const d3 = at(1_012_000, d2);
  assert.equal(d3.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ProgressDeadlineExceeded');
  assert.equal(d3.status?.conditions?.find((c) => c.type === 'Available')?.status, 'False');
});
