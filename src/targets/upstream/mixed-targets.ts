/**
 * The two mixed configurations of issue 9, as targets:
 * - `upstream-apiserver+reference-controllers`: upstream etcd/kube-apiserver, reference
 *   kube-scheduler (as system:kube-scheduler, so upstream RBAC judges it) and reference
 *   kube-controller-manager (admin credentials: upstream gives its controllers one service
 *   account each through TokenRequest, which the reference does not do);
 * - `reference-apiserver+upstream-controllers`: the reference etcd and apiserver with the
 *   upstream kube-scheduler and kube-controller-manager on JSON (admin credentials).
 * Both are driven black box through the kit client; no nodes yet.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionFromKubeconfig } from '../../clients/kube/connection.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import type { Capability, StartedTarget, Target } from '../../ports/target.ts';
import { KubeconfigTopology } from '../kubeconfig/kubeconfig-topology.ts';
import { ReferenceCluster } from '../reference/reference-cluster.ts';
import { which } from '../which.ts';
import { startReferenceControllers } from './reference-controllers.ts';
import { startUpstreamComponents } from './upstream-components.ts';
import { startUpstreamControlPlane } from './upstream-control-plane.ts';

const PENDING: ReadonlyMap<Capability, string> = new Map<Capability, string>([
  ['nodes', 'no kubelets registered in the mixed configurations yet'],
  ['cluster-network', 'needs nodes'],
  ['kube-proxy', 'needs nodes'],
]);

function mixedTarget(name: string, description: string, boot: () => Promise<{ kubeconfigPath: string; stop: () => Promise<void> }>): Target {
  const capabilities = new Set<Capability>(['kube-api', 'scheduler', 'controller-manager', 'no-cloud-provider']);
  if (which('kubectl') !== undefined) capabilities.add('kubectl');
  return {
    name,
    description,
    capabilities,
    pending: PENDING,
    privateClusters: true,
    unavailableReason: (c) => PENDING.get(c) ?? `the ${name} configuration does not offer ${c}`,
    async start(): Promise<StartedTarget> {
      const booted = await boot();
      try {
        const kube = new KubeClient(await connectionFromKubeconfig(booted.kubeconfigPath));
        return {
          kube,
          topology: new KubeconfigTopology(kube, booted.kubeconfigPath),
          faults: undefined,
          network: undefined,
          stop: async () => {
            kube.close();
            await booted.stop();
          },
        };
      } catch (error) {
        await booted.stop();
        throw error;
      }
    },
  };
}

export async function startUpstreamApiserverWithReferenceControllers(): Promise<{ kubeconfigPath: string; stop: () => Promise<void> }> {
  const cp = await startUpstreamControlPlane({ scheduler: false, controllerManager: false });
  try {
    const scheduler = await cp.issueClient('system:kube-scheduler');
    const controllers = await startReferenceControllers({
      kubeconfigs: { 'kube-controller-manager': cp.kubeconfigPath, 'kube-scheduler': scheduler.kubeconfigPath },
      stateDir: cp.stateDir,
    });
    return { kubeconfigPath: cp.kubeconfigPath, stop: async () => { await controllers.stop(); await cp.stop(); } };
  } catch (error) {
    await cp.stop();
    throw error;
  }
}

export async function startReferenceApiserverWithUpstreamControllers(): Promise<{ kubeconfigPath: string; stop: () => Promise<void> }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'kck-mixed-'));
  // Only etcd and the apiserver of the reference: no reference scheduler or controllers (the
  // upstream ones do their work), and no nodes (the mixed targets offer none).
  const cluster = await ReferenceCluster.start({ stateDir: join(stateDir, 'reference'), controlPlanes: 0, nodes: 0 });
  try {
    const components = await startUpstreamComponents({ kubeconfigPath: cluster.adminKubeconfig, stateDir: join(stateDir, 'upstream') });
    return {
      kubeconfigPath: cluster.adminKubeconfig,
      stop: async () => {
        // Each step runs even when the one before it failed; the first failure is reported.
        try {
          await components.stop();
        } finally {
          try {
            await cluster.stop();
          } finally {
            await rm(stateDir, { recursive: true, force: true });
          }
        }
      },
    };
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
}

export function upstreamApiserverWithReferenceControllersTarget(): Target {
  return mixedTarget('upstream-apiserver+reference-controllers', 'upstream kube-apiserver (built from source) with the reference scheduler and controller-manager', startUpstreamApiserverWithReferenceControllers);
}

export function referenceApiserverWithUpstreamControllersTarget(): Target {
  return mixedTarget('reference-apiserver+upstream-controllers', 'reference etcd and kube-apiserver with the upstream scheduler and controller-manager (JSON)', startReferenceApiserverWithUpstreamControllers);
}
