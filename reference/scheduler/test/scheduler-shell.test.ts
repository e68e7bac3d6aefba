/**
 * The scheduler process logic against a real kube-apiserver (upstream binary on etcd, no
 * other scheduler): binding through pods/binding, Scheduled and FailedScheduling events with
 * the upstream-worded message, PodScheduled conditions, retry once a fitting node appears,
 * Pods for other schedulers left alone. Skips when no apiserver can run here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeApi, KubeList, KubeObject } from '../../../src/ports/kube-api.ts';
import { NODE, POD, type Node, type Pod } from '../../client-machinery/core/api-types.ts';
import { eventually, startTestApiServer, whyNoTestApiServer } from '../../client-machinery/testing/test-api-server.ts';
import { makeNode, makePod, type NodeSpec } from '../core/test-fixtures.ts';
import { Scheduler } from '../shell/scheduler.ts';

async function createNode(api: KubeApi, spec: NodeSpec): Promise<void> {
  const node = makeNode(spec);
  const created = await api.create<Node>({ ...node, status: {} });
  const ready = await api.updateStatus<Node>({ ...created, status: node.status ?? {} });
  // The TaintNodesByCondition admission plugin taints new Nodes not-ready; the node lifecycle
  // controller (not running here) would lift it once Ready: do its part.
  await api.update<Node>({ ...ready, spec: { ...ready.spec, taints: (ready.spec?.taints ?? []).filter((t) => t.key !== 'node.kubernetes.io/not-ready') } });
}

async function podOf(api: KubeApi, name: string): Promise<Pod> {
  const pod = await api.get<Pod>({ ...POD, name, namespace: 'default' });
  assert.ok(pod !== undefined, `pod ${name} exists`);
  return pod;
}

async function eventsFor(api: KubeApi, name: string): Promise<{ reason: string; message: string }[]> {
  const list = await api.list<KubeObject & { reason: string; message: string; involvedObject: { name: string } }>({ apiVersion: 'v1', kind: 'Event' }, { namespace: 'default' });
  return (list as KubeList<KubeObject & { reason: string; message: string; involvedObject: { name: string } }>).items.filter((e) => e.involvedObject.name === name);
}

void test('scheduler shell against a real apiserver', { timeout: 240_000 }, async (t) => {
  const why = await whyNoTestApiServer();
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  const server = await startTestApiServer((line) => t.diagnostic(line));
  let scheduler: Scheduler | undefined;
  try {
    const api = server.api;
    const cpTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' } as const;
    await createNode(api, { name: 'n1', cpu: '1' });
    await createNode(api, { name: 'n2', taints: [cpTaint], labels: { 'node-role.kubernetes.io/control-plane': '' } });
    await createNode(api, { name: 'n3', taints: [cpTaint] });
    scheduler = new Scheduler(await server.client(), { log: (line) => t.diagnostic(line) });
    await scheduler.start();

    const strip = (p: Pod): Pod => ({ ...p, metadata: { name: p.metadata.name, namespace: 'default', ...(p.metadata.labels !== undefined ? { labels: p.metadata.labels } : {}) }, status: {} });
    await api.create(strip(makePod({ name: 'big', cpu: '2' })));
    const other = makePod({ name: 'other' });
    other.spec.schedulerName = 'someone-else';
    await api.create(strip(other));
    await api.create(strip(makePod({ name: 'small', cpu: '100m' })));

    const small = await eventually('small bound', async () => {
      const p = await podOf(api, 'small');
      return p.spec.nodeName !== undefined ? p : undefined;
    });
    assert.equal(small.spec.nodeName, 'n1');
    await eventually('Scheduled event', async () => (await eventsFor(api, 'small')).find((e) => e.reason === 'Scheduled' && e.message === 'Successfully assigned default/small to n1'));
    await eventually('PodScheduled=True', async () => (await podOf(api, 'small')).status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True'));

    const expected = '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.';
    await eventually('FailedScheduling event', async () => (await eventsFor(api, 'big')).find((e) => e.reason === 'FailedScheduling' && e.message === expected));
    await eventually('PodScheduled=False/Unschedulable', async () =>
      (await podOf(api, 'big')).status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable' && c.message === expected),
    );
    assert.equal((await podOf(api, 'big')).spec.nodeName, undefined);

    // A node that fits appears: the parked Pod is retried and bound there.
    await createNode(api, { name: 'n4', cpu: '4' });
    const big = await eventually('big bound after n4 joined', async () => {
      const p = await podOf(api, 'big');
      return p.spec.nodeName !== undefined ? p : undefined;
    });
    assert.equal(big.spec.nodeName, 'n4');
    assert.equal((await podOf(api, 'other')).spec.nodeName, undefined, 'a Pod for another scheduler is left alone');
    const nodes = await api.list<Node>(NODE);
    assert.equal(nodes.items.length, 4);
  } finally {
    await scheduler?.stop();
    await server.stop();
  }
});
