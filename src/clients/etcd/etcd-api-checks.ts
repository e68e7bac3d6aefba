/**
 * Checks of the key-value, txn, watch, lease and compaction API that any etcd must pass; run
 * by the client's tests against real etcd and by the reference etcd's tests against itself.
 */
import assert from 'node:assert/strict';
import type { Etcd, EtcdWatchEvent } from '../../ports/etcd.ts';
import { waitUntil } from '../../targets/etcd/wait-until.ts';

export async function checkKeyValueApi(client: Etcd): Promise<void> {
  const first = await client.put('/a/1', 'one');
  const second = await client.put('/a/2', 'two', { prevKv: true });
  assert.equal(second.header.revision, first.header.revision + 1);
  assert.equal(second.prevKv, undefined);
  const overwritten = await client.put('/a/1', 'uno', { prevKv: true });
  assert.equal(overwritten.prevKv?.value, 'one');

  const all = await client.range('/a/', { prefix: true });
  assert.deepEqual(all.kvs.map((kv) => [kv.key, kv.value, kv.version]), [['/a/1', 'uno', 2], ['/a/2', 'two', 1]]);
  assert.equal(all.count, 2);
  const limited = await client.range('/a/', { prefix: true, limit: 1 });
  assert.equal(limited.kvs.length, 1);
  assert.equal(limited.more, true);
  const old = await client.range('/a/1', { revision: first.header.revision });
  assert.equal(old.kvs[0]?.value, 'one');

  const one = all.kvs[0];
  assert.ok(one);
  const swapped = await client.txn([{ key: '/a/1', target: 'modRevision', result: 'equal', value: one.modRevision }], [{ put: { key: '/a/1', value: 'eins' } }], []);
  assert.equal(swapped.succeeded, true);
  const lost = await client.txn([{ key: '/a/1', target: 'modRevision', result: 'equal', value: one.modRevision }], [{ put: { key: '/a/1', value: 'x' } }], [{ get: { key: '/a/1' } }]);
  assert.equal(lost.succeeded, false);
  assert.equal(lost.responses[0]?.kvs?.[0]?.value, 'eins');

  const seen: EtcdWatchEvent[] = [];
  const watch = await client.watch('/a/', { prefix: true, startRevision: first.header.revision, prevKv: true, onEvent: (e) => seen.push(e) });
  const deleted = await client.delete('/a/2');
  assert.equal(deleted.deleted, 1);
  await waitUntil('watch events', async () => seen.some((e) => e.type === 'DELETE' && e.kv.key === '/a/2'));
  assert.equal(`${seen[0]?.type} ${seen[0]?.kv.key}`, 'PUT /a/1');
  assert.equal(seen.find((e) => e.type === 'DELETE')?.prevKv?.value, 'two');
  assert.equal(watch.events.length, 0, 'a watch with a callback keeps no events of its own');
  await watch.stop();

  const lease = await client.leaseGrant(60);
  assert.ok(lease.id > 0);
  await client.put('/leased', 'v', { lease: lease.id });
  const ttl = await client.leaseTimeToLive(lease.id, { keys: true });
  assert.deepEqual(ttl.keys, ['/leased']);
  assert.equal(ttl.grantedTtl, 60);
  assert.ok((await client.leaseKeepAliveOnce(lease.id)).ttl > 0);
  await client.leaseRevoke(lease.id);
  assert.equal((await client.range('/leased')).count, 0);

  const now = (await client.range('/a/1')).header.revision;
  await client.compact(now);
  await assert.rejects(client.range('/a/1', { revision: first.header.revision }), /compacted/);
  const compactedWatch = await client.watch('/a/', { prefix: true, startRevision: first.header.revision });
  await waitUntil('compacted watch cancelled', async () => compactedWatch.cancelReason !== undefined);
  assert.equal(compactedWatch.compactRevision, now);
  await compactedWatch.stop();

}
