// The kit's etcd client against a real etcd 3.4 (Debian's /usr/bin/etcd) on random loopback ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority } from '../../pki/pki.ts';
import { freePort } from '../../targets/etcd/free-port.ts';
import { MemberProcess, externalEtcdCommand, type MemberTls } from '../../targets/etcd/member-process.ts';
import { waitUntil } from '../../targets/etcd/wait-until.ts';
import { createEtcdClient, type EtcdTlsOptions } from './etcd-client.ts';

async function startEtcd(dir: string, tls?: MemberTls): Promise<{ endpoint: string; member: MemberProcess }> {
  const scheme = tls ? 'https' : 'http';
  const endpoint = `${scheme}://127.0.0.1:${await freePort()}`;
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const member = new MemberProcess({
    name: 'm1', dataDir: join(dir, 'data'), clientUrl: endpoint, peerUrl, initialCluster: `m1=${peerUrl}`,
    initialClusterState: 'new', clusterToken: 'test', logPath: join(dir, 'etcd.log'), ...(tls ? { tls } : {}),
  }, externalEtcdCommand);
  member.start();
  return { endpoint, member };
}

void test('client against a real etcd: kv, txn, watch, lease, compaction, cluster, status', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-etcd-client-'));
  const { endpoint, member } = await startEtcd(dir);
  const client = createEtcdClient({ endpoints: [endpoint] });
  t.after(async () => {
    client.close();
    await member.kill();
    await rm(dir, { recursive: true, force: true });
  });
  await waitUntil('etcd ready', async () => (await client.status(endpoint)).leader !== '0');

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

  const seen: string[] = [];
  const watch = await client.watch('/a/', { prefix: true, startRevision: first.header.revision, prevKv: true, onEvent: (e) => seen.push(`${e.type} ${e.kv.key}`) });
  const deleted = await client.delete('/a/2');
  assert.equal(deleted.deleted, 1);
  await waitUntil('watch events', async () => seen.includes('DELETE /a/2'));
  assert.equal(seen[0], 'PUT /a/1');
  const del = watch.events.find((e) => e.type === 'DELETE');
  assert.equal(del?.prevKv?.value, 'two');
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

  const members = await client.memberList();
  assert.equal(members.length, 1);
  assert.equal(members[0]?.name, 'm1');
  const status = await client.status(endpoint);
  assert.equal(status.leader, members[0]?.id);
  assert.match(status.version, /^3\./);
});

void test('client certificates: etcd with --client-cert-auth refuses a client without them', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-etcd-tls-'));
  const ca = await createCertificateAuthority(join(dir, 'pki'), 'etcd-ca');
  const server = await ca.issue({ name: 'etcd', commonName: 'etcd', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], usage: 'both' });
  const kit = await ca.issue({ name: 'kit', commonName: 'kit', usage: 'client' });
  const { endpoint, member } = await startEtcd(dir, { caPath: ca.certPath, certPath: server.certPath, keyPath: server.keyPath });
  const valid: EtcdTlsOptions = { caPem: ca.certPem, certPem: kit.certPem, keyPem: kit.keyPem };
  const good = createEtcdClient({ endpoints: [endpoint], tls: valid });
  const bad = createEtcdClient({ endpoints: [endpoint], tls: { caPem: ca.certPem }, callTimeoutMs: 3000 });
  t.after(async () => {
    good.close();
    bad.close();
    await member.kill();
    await rm(dir, { recursive: true, force: true });
  });
  await waitUntil('etcd ready', async () => (await good.status(endpoint)).leader !== '0');
  await good.put('k', 'v');
  await assert.rejects(bad.range('k'));
});
