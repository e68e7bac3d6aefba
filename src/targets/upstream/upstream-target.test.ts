/**
 * The upstream target through the kit's own client and topology: what the features see.
 * Skipped, with the reason, when the upstream binaries, etcd or kubectl are missing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upstreamTarget } from './upstream-target.ts';
import { eventually, upstreamSkipReason } from './upstream-test-support.ts';

void test('upstream target: the kit client lists namespaces and the topology finds the control plane', { timeout: 300_000 }, async (t) => {
  const reason = await upstreamSkipReason();
  if (reason !== undefined) { t.skip(reason); return; }
  const target = upstreamTarget();
  assert.ok(target.capabilities.has('scheduler'));
  // Nodes are network namespaces: offered as root only.
  assert.equal(target.capabilities.has('nodes'), process.getuid?.() === 0);
  assert.match(target.unavailableReason('proxy-mode-userspace'), /1\.26/);
  // A scenario that needs only the API gets a cluster without nodes, which starts in seconds.
  const started = await target.start(['kube-api']);
  try {
    const namespaces = await started.kube.list({ apiVersion: 'v1', kind: 'Namespace' });
    assert.ok(namespaces.items.some((n) => n.metadata.name === 'kube-system'));
    const version = await started.kube.request('GET', '/version');
    assert.equal(version.status, 200);
    const components = await eventually('scheduler and controller-manager in the topology', async () => {
      const found = (await started.topology?.controlPlane()) ?? [];
      const names = new Set(found.map((c) => c.component));
      return names.has('kube-scheduler') && names.has('kube-controller-manager') && names.has('kube-apiserver') ? names : undefined;
    });
    assert.ok(components.has('etcd'));
  } finally {
    await started.stop();
  }
});
