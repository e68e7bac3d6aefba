// The kit's etcd client against a real etcd 3.4 (Debian's /usr/bin/etcd) on random loopback ports.
import { test } from 'node:test';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority } from '../../pki/pki.ts';
import { freePort } from '../../process/free-port.ts';
import { MemberProcess, externalEtcdCommand, type MemberTls } from '../../targets/etcd/member-process.ts';
import { waitUntil } from '../../targets/etcd/wait-until.ts';
import { checkKeyValueApi } from './etcd-api-checks.ts';
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

  await checkKeyValueApi(client);
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

void test('failover: a write whose connection dropped is not sent again elsewhere; a read is', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-etcd-failover-'));
  const { endpoint, member } = await startEtcd(dir);
  // An endpoint that takes the request, then drops the connection: the request may have been
  // applied there, as when a member crashes mid-request.
  const dropping = http2.createServer();
  let requests = 0;
  dropping.on('stream', (stream) => { requests++; stream.session?.destroy(); });
  await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
  const dropEndpoint = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`;
  const direct = createEtcdClient({ endpoints: [endpoint] });
  const client = createEtcdClient({ endpoints: [dropEndpoint, endpoint], callTimeoutMs: 5000 });
  t.after(async () => {
    client.close();
    direct.close();
    await new Promise<void>((resolve) => dropping.close(() => resolve()));
    await member.kill();
    await rm(dir, { recursive: true, force: true });
  });
  await waitUntil('etcd ready', async () => (await direct.status(endpoint)).leader !== '0');
  await direct.put('/failover/read', 'there');

  await assert.rejects(client.put('/failover/write', 'once'), (error: Error) => /UNAVAILABLE|dropped|reset|closed/i.test(`${(error as { code?: number }).code === 14 ? 'UNAVAILABLE' : ''} ${error.message}`));
  assert.ok(requests >= 1, 'the dropping endpoint got the write');
  assert.equal((await direct.range('/failover/write')).kvs.length, 0, 'the write was not sent to the other endpoint');
  assert.equal((await client.range('/failover/read')).kvs[0]?.value, 'there', 'a read fails over');
});
