/** etcd scenarios (slide 5, S4.5): every step goes through the Etcd port and the cluster factory. */
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import type { HistoryRecorder } from '../src/history/history.ts';
import { kvRegisterModel, type RegisterInput, type RegisterOutput } from '../src/history/kv-register-model.ts';
import { checkLinearizable } from '../src/history/linearizability.ts';
import type { Etcd, EtcdCluster, EtcdWatch, TxnResult } from '../src/ports/etcd.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';
import { recordRegisterHistory } from './support/etcd-register-workload.ts';

interface Change { key: string; revision: number }

const cluster = (w: KitWorld): EtcdCluster => w.recall<EtcdCluster>('etcd cluster');
const etcd = (w: KitWorld): Etcd => w.recall<Etcd>('etcd client');
const changes = (w: KitWorld): Change[] => w.recall<Change[]>('etcd changes');
const killed = (w: KitWorld): Set<string> => w.recall<Set<string>>('etcd killed');
const names = (list: string): string[] => list.split(',').map((s) => s.trim()).filter((s) => s !== '');
const running = (w: KitWorld): string[] => cluster(w).memberNames.filter((n) => !killed(w).has(n));

/** A client the scenario does not keep: closed after the scenario. */
function clientOf(w: KitWorld, members?: readonly string[], credentials?: 'valid' | 'none'): Etcd {
  const client = cluster(w).client({ ...(members ? { members } : {}), ...(credentials ? { credentials } : {}) });
  w.onCleanUp(() => client.close());
  return client;
}

function firstChange(w: KitWorld, key?: string): number {
  const change = changes(w).find((c) => key === undefined || c.key === key);
  if (change === undefined) throw new Error(`no recorded change${key ? ` of ${key}` : ''}`);
  return change.revision;
}

async function startCluster(w: KitWorld, members: number, tls: boolean): Promise<void> {
  const started = await w.factory('etcdClusters').start({ members, tls });
  w.onCleanUp(() => started.stop());
  w.remember('etcd cluster', started);
  w.remember('etcd changes', [] as Change[]);
  w.remember('etcd killed', new Set<string>());
  w.remember('etcd client', clientOf(w));
}

Given('an etcd cluster of {int} member(s)', async function (this: KitWorld, members: number) {
  await startCluster(this, members, false);
});

Given('an etcd cluster of {int} member(s) that requires client certificates', async function (this: KitWorld, members: number) {
  await startCluster(this, members, true);
});

Given('the key {string} is set to {string}', async function (this: KitWorld, key: string, value: string) {
  const res = await etcd(this).put(key, value);
  changes(this).push({ key, revision: res.header.revision });
});

When('the key {string} is set to {string} with a lease of {int} seconds', async function (this: KitWorld, key: string, value: string, ttl: number) {
  const lease = await etcd(this).leaseGrant(ttl);
  const res = await etcd(this).put(key, value, { lease: lease.id });
  changes(this).push({ key, revision: res.header.revision });
});

When('the key {string} is deleted', async function (this: KitWorld, key: string) {
  const res = await etcd(this).delete(key);
  assert.equal(res.deleted, 1, `${key} existed`);
  changes(this).push({ key, revision: res.header.revision });
});

Then('the keys under {string} are {string}', async function (this: KitWorld, prefix: string, expected: string) {
  await eventually(`keys under ${prefix}`, async () => {
    const res = await etcd(this).range(prefix, { prefix: true });
    assert.equal(res.kvs.map((kv) => `${kv.key}=${kv.value}`).join(', '), expected);
  });
});

Then('each change raised the revision by exactly one', function (this: KitWorld) {
  const revisions = changes(this).map((c) => c.revision);
  assert.ok(revisions.length >= 2, 'at least two changes');
  revisions.slice(1).forEach((r, i) => assert.equal(r, (revisions[i] as number) + 1, `revisions ${revisions.join(', ')}`));
});

Then('the key {string} read at the revision of its first change is {string}', async function (this: KitWorld, key: string, value: string) {
  const res = await etcd(this).range(key, { revision: firstChange(this, key) });
  assert.equal(res.kvs[0]?.value, value);
});

Then('the key {string} is {string}', async function (this: KitWorld, key: string, value: string) {
  await eventually(`${key} to be ${value}`, async () => {
    assert.equal((await etcd(this).range(key)).kvs[0]?.value, value);
  });
});

When('a transaction swaps {string} from {string} to {string}', async function (this: KitWorld, key: string, from: string, to: string) {
  this.remember('etcd txn', await etcd(this).txn([{ key, target: 'value', result: 'equal', value: from }], [{ put: { key, value: to } }], [{ get: { key } }]));
});

Then('the transaction succeeded', function (this: KitWorld) {
  assert.equal(this.recall<TxnResult>('etcd txn').succeeded, true);
});

Then('the transaction failed', function (this: KitWorld) {
  const txn = this.recall<TxnResult>('etcd txn');
  assert.equal(txn.succeeded, false);
  assert.ok(txn.responses[0]?.kvs?.length === 1, 'the failure branch read the current value');
});

When('a watch on the keys under {string} starts at the revision of the first change', async function (this: KitWorld, prefix: string) {
  const watch = await etcd(this).watch(prefix, { prefix: true, startRevision: firstChange(this) });
  this.onCleanUp(() => watch.stop());
  this.remember('etcd watch', watch);
});

Then('the watch sees {string}', async function (this: KitWorld, expected: string) {
  const watch = this.recall<EtcdWatch>('etcd watch');
  await eventually(`the watch to see ${expected}`, () => {
    assert.equal(watch.events.map((e) => (e.type === 'PUT' ? `PUT ${e.kv.key}=${e.kv.value}` : `DELETE ${e.kv.key}`)).join(', '), expected);
  });
});

Then('the key {string} disappears once the lease expires', async function (this: KitWorld, key: string) {
  await eventually(`${key} to disappear`, async () => {
    assert.equal((await etcd(this).range(key)).count, 0, `${key} still exists`);
  }, { timeoutMs: 30_000 });
});

When('the store is compacted at its current revision', async function (this: KitWorld) {
  const revision = (await etcd(this).range('/', { countOnly: true })).header.revision;
  await etcd(this).compact(revision);
  this.remember('etcd compacted at', revision);
});

Then('reading {string} at the revision of its first change fails as compacted', async function (this: KitWorld, key: string) {
  await assert.rejects(etcd(this).range(key, { revision: firstChange(this, key) }), /compacted/);
});

Then('a watch from the revision of the first change is cancelled as compacted', async function (this: KitWorld) {
  const watch = await etcd(this).watch('/kck/', { prefix: true, startRevision: firstChange(this) });
  this.onCleanUp(() => watch.stop());
  await eventually('the watch to be cancelled', () => {
    assert.match(watch.cancelReason ?? '', /compacted/);
    assert.equal(watch.compactRevision, this.recall<number>('etcd compacted at'));
  });
});

Then('the cluster lists {int} members', async function (this: KitWorld, count: number) {
  await eventually(`${count} members`, async () => {
    const members = await clientOf(this, running(this)).memberList();
    assert.equal(members.length, count, members.map((m) => m.name).join(','));
  });
});

Then('every member serves {string} as {string}', async function (this: KitWorld, key: string, value: string) {
  for (const member of running(this)) {
    const client = clientOf(this, [member]);
    await eventually(`${member} to serve ${key}`, async () => {
      assert.equal((await client.range(key, { linearizable: false })).kvs[0]?.value, value, member);
    });
  }
});

When('a member {string} is added to the cluster', async function (this: KitWorld, name: string) {
  await cluster(this).addMember(name);
});

Then('member {string} serves {string} as {string}', async function (this: KitWorld, member: string, key: string, value: string) {
  const client = clientOf(this, [member]);
  await eventually(`${member} to serve ${key}`, async () => {
    assert.equal((await client.range(key, { linearizable: false })).kvs[0]?.value, value);
  });
});

When('member {string} is removed from the cluster', async function (this: KitWorld, name: string) {
  await cluster(this).removeMember(name);
});

Then('the cluster accepts writes', async function (this: KitWorld) {
  const client = clientOf(this, running(this));
  await eventually('a write to be accepted', async () => {
    await client.put('/kck/probe', `accepted-${Date.now()}`);
  });
});

Then('the cluster refuses writes', async function (this: KitWorld) {
  // Every member is asked, the killed ones too: none may acknowledge a write.
  const client = clientOf(this, cluster(this).memberNames);
  for (let attempt = 0; attempt < 2; attempt++) {
    await assert.rejects(client.put('/kck/probe', 'refused'), `write attempt ${attempt + 1} was acknowledged without a quorum`);
  }
});

Then('exactly one member claims leadership and every member names it for the same term', async function (this: KitWorld) {
  const members = running(this);
  const client = clientOf(this, members);
  await eventually('one agreed leader', async () => {
    const statuses = await Promise.all(members.map((m) => client.status(cluster(this).endpointOf(m))));
    const claimants = statuses.filter((s) => s.leader === s.header.memberId);
    assert.equal(claimants.length, 1, `${claimants.length} members claim leadership`);
    assert.deepEqual(new Set(statuses.map((s) => s.leader)).size, 1, 'members name different leaders');
    assert.deepEqual(new Set(statuses.map((s) => s.raftTerm)).size, 1, 'members are in different terms');
  });
});

When('{int} keys under {string} are written and acknowledged', async function (this: KitWorld, count: number, prefix: string) {
  for (let i = 0; i < count; i++) await etcd(this).put(`${prefix}${String(i).padStart(3, '0')}`, `v${i}`);
});

When('the leader is killed', async function (this: KitWorld) {
  const leader = await eventually('a leader', async () => {
    const l = await cluster(this).leader();
    assert.ok(l, 'no member claims leadership');
    return l;
  });
  await cluster(this).kill(leader);
  killed(this).add(leader);
  this.remember('etcd old leader', leader);
});

Then('another member becomes the leader', async function (this: KitWorld) {
  const old = this.recall<string>('etcd old leader');
  await eventually('a new leader', async () => {
    const l = await cluster(this).leader();
    assert.ok(l !== undefined && l !== old, `leader is ${l ?? 'nobody'}`);
  });
});

Then('all {int} acknowledged keys under {string} are read back', async function (this: KitWorld, count: number, prefix: string) {
  const client = clientOf(this, running(this));
  await eventually('the acknowledged keys', async () => {
    const res = await client.range(prefix, { prefix: true });
    assert.equal(res.count, count);
    res.kvs.forEach((kv, i) => assert.equal(kv.value, `v${i}`));
  });
});

When('the cluster is partitioned into {string} and {string}', async function (this: KitWorld, a: string, b: string) {
  await cluster(this).partition([names(a), names(b)]);
});

When('the partition heals', async function (this: KitWorld) {
  await cluster(this).heal();
});

Then('members {string} accept writes', async function (this: KitWorld, list: string) {
  const client = clientOf(this, names(list));
  const value = `written-by-${names(list).join('-')}`;
  const revision = await eventually(`${list} to accept a write`, async () => (await client.put('/kck/last', value)).header.revision);
  this.remember('etcd last write', { value, revision });
});

Then('members {string} refuse writes', async function (this: KitWorld, list: string) {
  const client = clientOf(this, names(list));
  for (let attempt = 0; attempt < 2; attempt++) {
    await assert.rejects(client.put('/kck/minority', `attempt-${attempt}`), `${list} acknowledged a write without a quorum`);
  }
});

Then('members {string} catch up with the last write', async function (this: KitWorld, list: string) {
  // Caught up = the member itself serves the store as of the last acknowledged write (later
  // changes, e.g. a refused write that still committed, may follow; etcd allows that).
  const last = this.recall<{ value: string; revision: number }>('etcd last write');
  for (const member of names(list)) {
    const client = clientOf(this, [member]);
    await eventually(`${member} to catch up`, async () => {
      const res = await client.range('/kck/last', { linearizable: false, revision: last.revision });
      assert.equal(res.kvs[0]?.value, last.value);
    });
  }
});

When('{int} members are killed, the leader first', async function (this: KitWorld, count: number) {
  for (let i = 0; i < count; i++) {
    const victim = i === 0
      ? await eventually('a leader', async () => {
        const l = await cluster(this).leader();
        assert.ok(l, 'no member claims leadership');
        return l;
      })
      : running(this)[0];
    assert.ok(victim, 'a member to kill');
    await cluster(this).kill(victim);
    killed(this).add(victim);
  }
});

When('one more member is killed', async function (this: KitWorld) {
  const victim = running(this)[0];
  assert.ok(victim, 'a member to kill');
  await cluster(this).kill(victim);
  killed(this).add(victim);
});

When('{int} clients read, write and swap {string} for {int} seconds while faults are injected', async function (this: KitWorld, clients: number, key: string, seconds: number) {
  const seed = Number(process.env['KCK_SEED'] ?? Date.now() % 1_000_000);
  this.log(`workload seed ${seed} (replay with KCK_SEED=${seed})`);
  const { history, faults } = await recordRegisterHistory(cluster(this), clients, key, seconds, seed);
  this.log(`faults: ${faults.join(', ')}`);
  this.remember('etcd history', history);
});

Then('the recorded history is linearizable', function (this: KitWorld) {
  const history = this.recall<HistoryRecorder<RegisterInput, RegisterOutput>>('etcd history');
  const ops = history.operations;
  const ok = ops.filter((o) => o.outcome === 'ok');
  this.log(`${ops.length} operations: ${ok.length} ok, ${ops.filter((o) => o.outcome === 'info').length} unknown, ${ops.filter((o) => o.outcome === 'fail').length} failed`);
  assert.ok(ok.filter((o) => o.input.type === 'write').length >= 5, 'too few acknowledged writes to check anything');
  assert.ok(ok.filter((o) => o.input.type === 'read').length >= 5, 'too few successful reads to check anything');
  const result = checkLinearizable(kvRegisterModel, ops);
  assert.ok(result.linearizable, `not linearizable; longest linearizable prefix has ${result.longestPrefix.length} operations`);
});

Then('a client with valid credentials can write', async function (this: KitWorld) {
  await clientOf(this, undefined, 'valid').put('/kck/secure', 'yes');
});

Then('a client without credentials is refused', async function (this: KitWorld) {
  await assert.rejects(clientOf(this, undefined, 'none').range('/kck/secure'));
});
