// Both cluster factories: 3 members in network namespaces, leader kill, 2+1 partition and heal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { externalEtcdClusters, referenceEtcdClusters } from './etcd-cluster-factories.ts';
import { waitUntil } from './wait-until.ts';

for (const factory of [referenceEtcdClusters, externalEtcdClusters]) {
  void test(`${factory.implementation}: 3 members survive a leader kill and serve only on the majority side of a partition`, async (t) => {
    const cluster = await factory.start({ members: 3 });
    t.after(() => cluster.stop());
    const client = cluster.client();
    await client.put('k', 'v1');
    const leader = await waitUntil('a leader', () => cluster.leader());
    await cluster.kill(leader);
    const survivors = cluster.memberNames.filter((n) => n !== leader);
    const rest = cluster.client({ members: survivors });
    await waitUntil('a write after the leader died', async () => (await rest.put('k', 'v2')).header.revision > 0, { timeoutMs: 30_000 });
    await cluster.restart(leader);
    const back = cluster.client({ members: [leader] });
    await waitUntil('the old leader catches up', async () => (await back.range('k', { linearizable: false })).kvs[0]?.value === 'v2', { timeoutMs: 30_000 });

    const [a, b, c] = cluster.memberNames as [string, string, string];
    await cluster.partition([[a, b], [c]]);
    const minority = cluster.client({ members: [c] });
    const majority = cluster.client({ members: [a, b] });
    const acked = await waitUntil('the majority writes', async () => (await majority.put('k', 'v3')).header.revision, { timeoutMs: 30_000 });
    // Refused means not acknowledged; like any timed-out etcd request it may still commit later.
    await assert.rejects(minority.put('other', 'maybe'));
    await cluster.heal();
    await waitUntil('the minority catches up', async () => {
      const res = await minority.range('k', { linearizable: false, revision: acked });
      return res.kvs[0]?.value === 'v3';
    }, { timeoutMs: 30_000 });
  });
}
