/**
 * Namespace controller: a Namespace being deleted (phase Terminating) has every object of
 * the namespaced kinds it knows deleted; once none remain, the "kubernetes" finalizer is
 * removed through the finalize subresource and the apiserver deletes the Namespace.
 */
import type { KindRef, KubeObject } from '../../../src/ports/kube-api.ts';
import { runWorkers, WorkQueue } from '../../client-machinery/shell/work-queue.ts';
import type { ControllerContext } from './controller-context.ts';

const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;

/** Namespaced kinds cleaned up, dependents-first so controllers do not recreate them. */
export const NAMESPACED_KINDS: KindRef[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'Endpoints' },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Event' },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
];

interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

export function startNamespaceController(ctx: ControllerContext): { run(): Promise<void>; stop(): void } {
  const namespaces = ctx.informer<Namespace>(NAMESPACE);
  const queue = new WorkQueue({ baseMs: 500, maxMs: 10_000 });
  namespaces.addHandler({ onAdd: (n) => n.metadata.deletionTimestamp !== undefined && queue.add(n.metadata.name ?? ''), onUpdate: (_, n) => n.metadata.deletionTimestamp !== undefined && queue.add(n.metadata.name ?? '') });

  const sync = async (name: string): Promise<void> => {
    const ns = namespaces.get(name);
    if (ns === undefined || ns.metadata.deletionTimestamp === undefined) return;
    let remaining = 0;
    for (const kind of NAMESPACED_KINDS) {
      let items: KubeObject[];
      try {
        items = (await ctx.api.list(kind, { namespace: name })).items;
      } catch (error) {
        if ((error as { status?: number }).status === 404) continue; // kind not served here
        throw error;
      }
      for (const item of items) {
        remaining++;
        if (item.metadata.deletionTimestamp !== undefined) continue;
        await ctx.api.delete({ ...kind, name: item.metadata.name ?? '', namespace: name }, { propagationPolicy: 'Background' }).catch((e: unknown) => {
          if ((e as { status?: number }).status !== 404) throw e;
        });
      }
    }
    if (remaining > 0) {
      queue.addAfter(name, 1000);
      return;
    }
    const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes');
    const res = await ctx.api.request('PUT', `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, { ...ns, apiVersion: 'v1', kind: 'Namespace', spec: { ...(ns.spec ?? {}), finalizers } });
    if (res.status >= 300 && res.status !== 404) throw new Error(`finalize namespace ${name}: ${res.status} ${res.text.slice(0, 200)}`);
    ctx.log(`namespace ${name}: content deleted, finalized`);
  };
  return { run: () => runWorkers(queue, 2, sync, ctx.log), stop: () => queue.shutDown() };
}
