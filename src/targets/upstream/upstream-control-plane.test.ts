/**
 * Starts the real upstream control plane (when upstream/build.sh has filled the cache) and
 * drives it with the real kubectl: the Deployment -> ReplicaSet -> Pod chain comes from the
 * upstream controller-manager, the binding from the upstream scheduler once Nodes exist.
 * Skipped, with the reason, when the binaries, etcd or kubectl are not there.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startUpstreamControlPlane } from './upstream-control-plane.ts';
import { deploymentToBoundPods, kubectlFor, upstreamSkipReason } from './upstream-test-support.ts';

void test('upstream control plane: kubectl, Deployment to Pods, scheduler binds to hand-made Nodes', { timeout: 300_000 }, async (t) => {
  const reason = await upstreamSkipReason();
  if (reason !== undefined) { t.skip(reason); return; }
  const cacheDir = await mkdtemp(join(tmpdir(), 'kck-kubectl-cache-'));
  const cp = await startUpstreamControlPlane({ log: (line) => t.diagnostic(line) });
  try {
    const kubectl = kubectlFor(cp.kubeconfigPath, cacheDir);
    const namespaces = await kubectl(['get', 'ns', '-o', 'name']);
    assert.match(namespaces, /namespace\/default/);
    assert.match(namespaces, /namespace\/kube-system/);
    const version = JSON.parse(await kubectl(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
    assert.match(version.serverVersion.gitVersion, /^v1\.\d+\.\d+$/);
    await deploymentToBoundPods(kubectl, 'web');
  } finally {
    await cp.stop();
    await rm(cacheDir, { recursive: true, force: true });
  }
});
