// Integration tests: real RaftNodes on loopback TCP with their WALs in temp dirs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RaftError } from './raft-node.ts';
import { TestCluster, waitFor } from './testing/test-cluster.ts';

const enc = (s: string) => new TextEncoder().encode(s);

test('3 members: proposals through leader and followers apply everywhere in one order', async (t) => {
  const c = await TestCluster.start(3);
  t.after(() => c.close());
  const leader = await c.leader();
  const follower = c.running().find((n) => n.id !== leader.id);
  assert.ok(follower);
  const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? leader : follower).propose(enc(`v${i}`), { timeoutMs: 20000 })));
  assert.equal(new Set(acks.map((a) => a.index)).size, 50, 'each proposal got its own index');
  await waitFor('all members apply 50 values', 20000, () => [...c.members.values()].every((m) => m.machine.values.length === 50));
  const orders = [...c.members.values()].map((m) => m.machine.values.join(','));
  assert.equal(new Set(orders).size, 1);
  // A follower's read barrier sees everything acknowledged before it.
  await follower.readBarrier({ timeoutMs: 20000 });
  assert.equal(c.member(follower.id).machine.values.length, 50);
});

test('leader stopped: the others go on; the old leader restarts from its WAL and catches up', async (t) => {
  const c = await TestCluster.start(3);
  t.after(() => c.close());
  const l1 = await c.leader();
  for (let i = 0; i < 10; i++) await l1.propose(enc(`a${i}`), { timeoutMs: 20000 });
  const survivor = c.running().find((n) => n.id !== l1.id);
  assert.ok(survivor);
  const seen: Array<bigint | undefined> = [];
  survivor.onLeaderChange((leader) => seen.push(leader));
  await c.stopMember(l1.id);
  const l2 = await c.leader();
  assert.notEqual(l2.id, l1.id);
  await waitFor('the survivor reports the new leader', 20000, () => seen.at(-1) === l2.id);
  for (let i = 0; i < 10; i++) await l2.propose(enc(`b${i}`), { timeoutMs: 20000 });
  await c.startMember(l1.id);
  const restarted = c.member(l1.id);
  await waitFor('the old leader catches up', 20000, () => restarted.machine.values.length === 20);
  assert.deepEqual(restarted.machine.values, c.member(l2.id).machine.values);
});

test('a 1-member minority cannot commit or serve linearizable reads', async (t) => {
  const c = await TestCluster.start(3);
  t.after(() => c.close());
  const l = await c.leader();
  await l.propose(enc('before'), { timeoutMs: 20000 });
  const others = c.running().filter((n) => n.id !== l.id);
  for (const o of others) await c.stopMember(o.id);
  await assert.rejects(l.propose(enc('lonely'), { timeoutMs: 1500 }), (e: unknown) => e instanceof RaftError && e.code === 'timeout');
  await assert.rejects(l.readBarrier({ timeoutMs: 1500 }), (e: unknown) => e instanceof RaftError && e.code === 'timeout');
  assert.ok(!c.member(l.id).machine.values.includes('lonely'));
  // Once a peer is back, the cluster has quorum again.
  await c.startMember(others[0]?.id ?? 0n);
  const again = await c.leader();
  await again.propose(enc('after'), { timeoutMs: 20000 });
});

test('all members restart from snapshot + WAL with the same state', async (t) => {
  const c = await TestCluster.start(3, { snapshotCount: 15, snapshotCatchUpEntries: 5 });
  t.after(() => c.close());
  const l = await c.leader();
  for (let i = 0; i < 40; i++) await l.propose(enc(`s${i}`), { timeoutMs: 20000 });
  await waitFor('all applied', 20000, () => [...c.members.values()].every((m) => m.machine.values.length === 40));
  for (const id of c.members.keys()) await c.stopMember(id);
  for (const id of c.members.keys()) await c.startMember(id);
  await c.leader();
  await waitFor('replayed', 20000, () => [...c.members.values()].every((m) => m.machine.values.length === 40));
  for (const m of c.members.values()) assert.deepEqual(m.machine.values, Array.from({ length: 40 }, (_, i) => `s${i}`));
});

test('membership: add a member that catches up by snapshot, transfer leadership to it, remove the old leader', async (t) => {
  const c = await TestCluster.start(3, { snapshotCount: 10, snapshotCatchUpEntries: 2 });
  t.after(() => c.close());
  const l = await c.leader();
  for (let i = 0; i < 30; i++) await l.propose(enc(`m${i}`), { timeoutMs: 20000 });
  const added = await c.define(4n);
  await l.addMember(added.peer, { timeoutMs: 20000 });
  await c.startMember(4n);
  await waitFor('member 4 catches up', 20000, () => added.machine.values.length === 30);
  assert.equal(c.node(4n).status().members.length, 4);
  await l.transferLeadership(4n, { timeoutMs: 20000 });
  await waitFor('member 4 leads', 20000, () => c.running().every((n) => n.status().leaderId === 4n));
  await c.node(4n).removeMember(l.id, { timeoutMs: 20000 });
  await waitFor('everyone sees 3 members', 20000, () => c.running().filter((n) => n.id !== l.id).every((n) => n.status().members.length === 3));
  await c.stopMember(l.id);
  await c.node(4n).propose(enc('after-remove'), { timeoutMs: 20000 });
  await waitFor('the rest apply it', 20000, () => [1n, 2n, 3n, 4n].filter((id) => id !== l.id).every((id) => c.member(id).machine.values.includes('after-remove')));
});
