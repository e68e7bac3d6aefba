/** Chooses a target by name (KCK_TARGET or a cucumber profile's worldParameters). */
import type { Target } from '../ports/target.ts';

export const TARGET_NAMES = ['reference', 'kubeconfig', 'upstream', 'upstream-apiserver+reference-controllers', 'reference-apiserver+upstream-controllers', 'cri', 'etcd', 'nodes', 'docker'] as const;

export class TargetError extends Error {
  override name = 'TargetError';
}

export async function loadTarget(name: string, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  switch (name) {
    case 'reference': {
      const { referenceTarget } = await import('./reference/reference-target.ts');
      return referenceTarget(env);
    }
    case 'kubeconfig': {
      const { kubeconfigTarget } = await import('./kubeconfig/kubeconfig-target.ts');
      return kubeconfigTarget(env);
    }
    case 'upstream': {
      const { upstreamTarget } = await import('./upstream/upstream-target.ts');
      return upstreamTarget(env);
    }
    case 'upstream-apiserver+reference-controllers': {
      const { upstreamApiserverWithReferenceControllersTarget } = await import('./upstream/mixed-targets.ts');
      return upstreamApiserverWithReferenceControllersTarget();
    }
    case 'reference-apiserver+upstream-controllers': {
      const { referenceApiserverWithUpstreamControllersTarget } = await import('./upstream/mixed-targets.ts');
      return referenceApiserverWithUpstreamControllersTarget();
    }
    case 'cri': {
      const { criTarget } = await import('./cri/cri-target.ts');
      return criTarget(env);
    }
    case 'nodes': {
      const { nodesTarget } = await import('./cri/nodes-target.ts');
      return nodesTarget(env);
    }
    case 'etcd': {
      const { etcdTarget } = await import('./etcd/etcd-target.ts');
      return etcdTarget(env);
    }
    case 'docker': {
      const { dockerTarget } = await import('./docker/docker-target.ts');
      return dockerTarget(env);
    }
    default:
      throw new TargetError(`unknown target "${name}": choose one of ${TARGET_NAMES.join(', ')}`);
  }
}
