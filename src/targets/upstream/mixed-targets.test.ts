/**
 * Mixed configuration "upstream apiserver + reference controllers": the reference scheduler
 * (as system:kube-scheduler, judged by upstream RBAC) and controller-manager turn a Deployment
 * into bound Pods on the upstream kube-apiserver, driven with the real kubectl.
 * (The reverse mix, upstream controllers on the reference apiserver, is not tested here yet:
 * see upstream/observed-requests.md for the lists it still lacks.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { upstreamApiserverWithReferenceControllersTarget } from './mixed-targets.ts';
import { deploymentToBoundPods, kubectlFor, upstreamSkipReason } from './upstream-test-support.ts';

void test('upstream apiserver with the reference scheduler and controller-manager: Deployment to bound Pods', { timeout: 300_000 }, async (t) => {
  const reason = await upstreamSkipReason();
  if (reason !== undefined) { t.skip(reason); return; }
  const cacheDir = await mkdtemp(join(tmpdir(), 'kck-kubectl-cache-'));
  const started = await upstreamApiserverWithReferenceControllersTarget().start();
  try {
    const kubeconfig = started.topology?.kubeconfigPath();
    if (kubeconfig === undefined) throw new Error('the mixed target has no topology');
    await deploymentToBoundPods(kubectlFor(kubeconfig, cacheDir), 'mixed');
  } finally {
    await started.stop();
    await rm(cacheDir, { recursive: true, force: true });
  }
});
