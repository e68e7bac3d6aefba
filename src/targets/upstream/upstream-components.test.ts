/**
 * The upstream scheduler and controller-manager started on their own (JSON content type, no
 * delegated authentication), as the mixed configuration runs them, here against an upstream
 * apiserver started without its own controllers, each under its component identity.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startUpstreamComponents } from './upstream-components.ts';
import { startUpstreamControlPlane } from './upstream-control-plane.ts';
import { deploymentToBoundPods, kubectlFor, upstreamSkipReason } from './upstream-test-support.ts';

void test('upstream scheduler and controller-manager on JSON against a bare apiserver', { timeout: 300_000 }, async (t) => {
  const reason = await upstreamSkipReason();
  if (reason !== undefined) { t.skip(reason); return; }
  const cacheDir = await mkdtemp(join(tmpdir(), 'kck-kubectl-cache-'));
  const cp = await startUpstreamControlPlane({ scheduler: false, controllerManager: false, log: (line) => t.diagnostic(line) });
  try {
    const scheduler = await cp.issueClient('system:kube-scheduler');
    const controllerManager = await cp.issueClient('system:kube-controller-manager');
    const components = await startUpstreamComponents({
      kubeconfigPath: cp.kubeconfigPath,
      kubeconfigs: { 'kube-scheduler': scheduler.kubeconfigPath, 'kube-controller-manager': controllerManager.kubeconfigPath },
      useServiceAccountCredentials: true,
      serviceAccountKeyPath: cp.pki.serviceAccountKey,
      rootCaPath: cp.pki.caCert,
      log: (line) => t.diagnostic(line),
    });
    try {
      await deploymentToBoundPods(kubectlFor(cp.kubeconfigPath, cacheDir), 'json-web');
    } finally {
      await components.stop();
    }
  } finally {
    await cp.stop();
    await rm(cacheDir, { recursive: true, force: true });
  }
});
