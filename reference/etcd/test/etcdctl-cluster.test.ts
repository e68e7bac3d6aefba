// The real etcdctl 3.4 against a 3-member reference cluster started with `kck etcd` (members in
// network namespaces, so this test needs root, iproute2 and iptables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { referenceEtcdClusters } from '../../../src/targets/etcd/etcd-cluster-factories.ts';
import { waitUntil } from '../../../src/targets/etcd/wait-until.ts';

const run = promisify(execFile);

void test('etcdctl put/get/del/watch/txn/lease/member list/endpoint status on 3 reference members', async (t) => {
  const cluster = await referenceEtcdClusters.start({ members: 3 });
  t.after(() => cluster.stop());
  const endpoints = cluster.memberNames.map((n) => cluster.endpointOf(n));
  const env = { ...process.env, ETCDCTL_API: '3' };
  const etcdctl = async (args: string[], input?: string): Promise<string> => {
    const call = run('etcdctl', [`--endpoints=${endpoints.join(',')}`, '--command-timeout=10s', ...args], { env, timeout: 30_000 });
    call.child.stdin?.end(input ?? '');
    return (await call).stdout;
  };

  assert.equal((await etcdctl(['put', 'foo', 'bar'])).trim(), 'OK');
  assert.equal((await etcdctl(['get', 'foo'])).trim(), 'foo\nbar');
  // Every member serves the write (serializable reads go to the member asked).
  for (const endpoint of endpoints) {
    const out = await run('etcdctl', [`--endpoints=${endpoint}`, 'get', 'foo', '--consistency=s', '--print-value-only'], { env });
    assert.equal(out.stdout.trim(), 'bar');
  }
  assert.match(await etcdctl(['txn'], 'value("foo") = "bar"\n\nput foo baz\n\nput foo wrong\n\n'), /SUCCESS/);
  assert.match(await etcdctl(['txn'], 'value("foo") = "bar"\n\nput foo wrong\n\nget foo\n\n'), /FAILURE\n\nfoo\nbaz/);
  const lease = /lease ([0-9a-f]+) granted with TTL\(60s\)/.exec(await etcdctl(['lease', 'grant', '60']));
  assert.ok(lease, 'lease granted');
  assert.equal((await etcdctl(['put', 'leased', 'x', `--lease=${lease[1]}`])).trim(), 'OK');
  assert.match(await etcdctl(['lease', 'timetolive', lease[1] as string, '--keys']), /attached keys\(\[leased\]\)/);
  assert.equal((await etcdctl(['lease', 'revoke', lease[1] as string])).trim(), `lease ${lease[1]} revoked`);
  assert.equal((await etcdctl(['get', 'leased'])).trim(), '');

  const members = (await etcdctl(['member', 'list'])).trim().split('\n');
  assert.equal(members.length, 3);
  for (const name of cluster.memberNames) assert.ok(members.some((line) => line.includes(`, started, ${name}, http://`)), `${name} listed`);

  // endpoint status dials the raw endpoint as HTTP/2 :authority; Node's HTTP/2 refuses "http://..."
  // there, so it is given host:port endpoints (a documented difference from Go's etcd).
  const hostPorts = endpoints.map((e) => new URL(e).host).join(',');
  const statuses = await waitUntil('one leader in endpoint status', async () => {
    const out = JSON.parse((await run('etcdctl', [`--endpoints=${hostPorts}`, 'endpoint', 'status', '-w', 'json'], { env })).stdout) as Array<{ Status: { header: { member_id: number }; leader: number; raft_term: number } }>;
    return out.filter((s) => s.Status.leader === s.Status.header.member_id).length === 1 ? out : undefined;
  });
  assert.equal(statuses.length, 3);
  assert.equal(new Set(statuses.map((s) => s.Status.leader)).size, 1);
  const health = await run('etcdctl', [`--endpoints=${endpoints.join(',')}`, 'endpoint', 'health'], { env });
  assert.equal(health.stderr.match(/is healthy/g)?.length, 3);

  assert.equal((await etcdctl(['del', 'foo'])).trim(), '1');
  const watched = await run('etcdctl', [`--endpoints=${endpoints[0]}`, 'watch', 'foo', '--rev=1'], { env, timeout: 5000 }).catch((e: { stdout: string }) => e);
  assert.equal(watched.stdout.trim().split('\n').join(' '), 'PUT foo bar PUT foo baz DELETE foo');
});
