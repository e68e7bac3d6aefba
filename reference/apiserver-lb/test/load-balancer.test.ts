// S4.4: behind the L4 load balancer, requests spread over the instances and keep working,
// with no lost write, when one instance dies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOKENS, call, startHarness } from '../../apiserver/test/harness.ts';
import { waitUntil } from '../../../src/targets/etcd/wait-until.ts';
import { RoundRobin } from '../core/round-robin.ts';
import { startLoadBalancer } from '../shell/load-balancer.ts';

void test('round robin skips unhealthy backends and tried ones', () => {
  const rr = new RoundRobin(['a', 'b', 'c']);
  assert.deepEqual([rr.pick(), rr.pick(), rr.pick(), rr.pick()], [0, 1, 2, 0]);
  rr.report(1, false);
  assert.deepEqual([rr.pick(), rr.pick(), rr.pick()], [2, 0, 2]);
  assert.equal(rr.pick(new Set([0, 2])), undefined);
});

void test('three apiservers behind the balancer: spread, failover, no lost writes', { timeout: 180_000 }, async (t) => {
  const h = await startHarness({ apiservers: 3 });
  t.after(() => h.stop());
  const lb = await startLoadBalancer({ listenHost: '127.0.0.1', listenPort: 0, backends: h.urls, healthIntervalMs: 500, log: () => {} });
  t.after(() => lb.stop());
  const written: string[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await call(lb.url, 'POST', '/api/v1/namespaces/default/configmaps', { token: TOKENS.admin, body: { metadata: { name: `lb-${i}` } }, freshConnection: true });
    assert.equal(r.status, 201, r.text);
    written.push(`lb-${i}`);
  }
  assert.ok(lb.connections().every((n) => n >= 3), `spread: ${lb.connections()}`);
  await h.killApiserver(1);
  for (let i = 12; i < 24; i++) {
    const r = await call(lb.url, 'POST', '/api/v1/namespaces/default/configmaps', { token: TOKENS.admin, body: { metadata: { name: `lb-${i}` } }, freshConnection: true });
    assert.equal(r.status, 201, r.text);
    written.push(`lb-${i}`);
  }
  await waitUntil('list through the balancer', async () => (await call(lb.url, 'GET', '/api/v1/namespaces/default/configmaps', { token: TOKENS.admin })).status === 200);
  const names = ((await call(lb.url, 'GET', '/api/v1/namespaces/default/configmaps', { token: TOKENS.admin })).body as { items: Array<{ metadata: { name: string } }> }).items.map((x) => x.metadata.name);
  for (const n of written) assert.ok(names.includes(n), `${n} survived`);
});
