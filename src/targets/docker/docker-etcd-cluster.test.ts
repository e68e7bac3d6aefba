import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EtcdCluster } from '../../ports/etcd.ts';
import { waitUntil } from '../etcd/wait-until.ts';
import { docker } from './docker-cli.ts';
import { dockerEtcdClusters } from './docker-etcd-factories.ts';
import { SESSION, SESSION_LABEL } from './docker-teardown.ts';
import { dockerSkipReason } from './testing/docker-skip-reason.ts';

const noDocker = await dockerSkipReason();

async function leftovers(): Promise<string> {
  const filter = ['--filter', `label=${SESSION_LABEL}=${SESSION}`];
  return `${await docker(['ps', '-aq', ...filter])}${await docker(['network', 'ls', '-q', ...filter])}`.trim();
}

test('a 3-member etcd 3.4 cluster in containers survives its leader\'s death, partitions and heals, and leaves nothing behind', { skip: noDocker, timeout: 600_000 }, async () => {
  let cluster: EtcdCluster | undefined;
  try {
    cluster = await dockerEtcdClusters.start({ members: 3 });
    const c = cluster;
    assert.deepEqual(c.memberNames, ['m1', 'm2', 'm3']);
    for (const m of c.memberNames) assert.match(c.endpointOf(m), /^http:\/\/127\.0\.0\.1:\d+$/);
    const client = c.client();
    await client.put('/k', 'v1');
    const leader = await waitUntil('a leader', () => c.leader(), { timeoutMs: 30_000 });
    await c.kill(leader);
    const rest = c.memberNames.filter((n) => n !== leader);
    const restClient = c.client({ members: rest });
    const next = await waitUntil('a new leader', async () => { const l = await c.leader(); return l !== leader && l; }, { timeoutMs: 60_000 });
    assert.ok(rest.includes(next));
    await waitUntil('a write without the old leader', async () => (await restClient.put('/k', 'v2')).header.revision > 0, { timeoutMs: 30_000 });
    await c.restart(leader);
    await waitUntil('the restarted member to catch up', async () => {
      const res = await c.client({ members: [leader] }).range('/k', { linearizable: false });
      return res.kvs[0]?.value === 'v2';
    }, { timeoutMs: 60_000, intervalMs: 250 });
    // Isolate one member: the other two keep a quorum; the lone one cannot commit, yet the kit reaches it.
    const lone = c.memberNames[0] as string;
    await c.partition([[lone], c.memberNames.slice(1)]);
    const status = await c.client({ members: [lone] }).status(c.endpointOf(lone));
    assert.ok(status.header.memberId !== '', 'the kit still reaches the isolated member');
    await waitUntil('a write on the majority side', async () => (await c.client({ members: c.memberNames.slice(1) }).put('/k', 'v3')).header.revision > 0, { timeoutMs: 60_000 });
    await assert.rejects(c.client({ members: [lone] }).put('/k', 'lost'), 'the isolated member cannot commit');
    await c.heal();
    await waitUntil('the healed member to see v3', async () => {
      const res = await c.client({ members: [lone] }).range('/k');
      return res.kvs[0]?.value === 'v3';
    }, { timeoutMs: 60_000, intervalMs: 250 });
  } finally {
    await cluster?.stop();
  }
  assert.equal(await leftovers(), '', 'no container or network of this session is left');
});
