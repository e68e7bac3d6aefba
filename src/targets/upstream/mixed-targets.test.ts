/**
 * The two mixed configurations, each driven with the real kubectl from a Deployment to bound
 * Pods on hand-made Nodes:
 * - upstream apiserver + reference controllers: the reference scheduler (as
 *   system:kube-scheduler, judged by upstream RBAC) and controller-manager do the work;
 * - reference apiserver + upstream controllers: the upstream kube-scheduler and
 *   kube-controller-manager do it on the reference etcd and apiserver.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { referenceApiserverWithUpstreamControllersTarget, upstreamApiserverWithReferenceControllersTarget } from './mixed-targets.ts';
import { deploymentToBoundPods, kubectlFor, upstreamSkipReason } from './upstream-test-support.ts';

for (const [title, target] of [
  ['upstream apiserver with the reference scheduler and controller-manager', upstreamApiserverWithReferenceControllersTarget],
  ['reference apiserver with the upstream scheduler and controller-manager', referenceApiserverWithUpstreamControllersTarget],
] as const) void test(`${title}: Deployment to bound Pods`, { timeout: 300_000 }, async (t) => {
  const reason = await upstreamSkipReason();
  if (reason !== undefined) { t.skip(reason); return; }
  const cacheDir = await mkdtemp(join(tmpdir(), 'kck-kubectl-cache-'));
  // Control-plane needs only: no nodes, so the Pods wait for the hand-made ones.
  const started = await target().start(['kube-api', 'scheduler', 'controller-manager']);
  try {
    const kubeconfig = started.topology?.kubeconfigPath();
    if (kubeconfig === undefined) throw new Error('the mixed target has no topology');
    await deploymentToBoundPods(kubectlFor(kubeconfig, cacheDir), 'mixed');
  } finally {
    await started.stop();
    await rm(cacheDir, { recursive: true, force: true });
  }
});
