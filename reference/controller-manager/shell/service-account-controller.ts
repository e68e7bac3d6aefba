/** ServiceAccount controller: every active Namespace has a ServiceAccount named "default". */
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { runWorkers, WorkQueue } from '../../client-machinery/shell/work-queue.ts';
import type { ControllerContext } from './controller-context.ts';

const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;
const SERVICE_ACCOUNT = { apiVersion: 'v1', kind: 'ServiceAccount' } as const;

export function startServiceAccountController(ctx: ControllerContext): { run(): Promise<void>; stop(): void } {
  const namespaces = ctx.informer<KubeObject>(NAMESPACE);
  const accounts = ctx.informer<KubeObject>(SERVICE_ACCOUNT);
  const queue = new WorkQueue();
  namespaces.addHandler({ onAdd: (n) => queue.add(n.metadata.name ?? ''), onUpdate: (_, n) => queue.add(n.metadata.name ?? '') });
  accounts.addHandler({ onDelete: (sa) => sa.metadata.name === 'default' && queue.add(sa.metadata.namespace ?? '') });
  const sync = async (ns: string): Promise<void> => {
    const namespace = namespaces.get(ns);
    if (namespace === undefined || namespace.metadata.deletionTimestamp !== undefined) return;
    if (accounts.get(`${ns}/default`) !== undefined) return;
    try {
      await ctx.api.create({ ...SERVICE_ACCOUNT, metadata: { name: 'default', namespace: ns } });
      ctx.log(`created ServiceAccount ${ns}/default`);
    } catch (error) {
      if ((error as { status?: number }).status !== 409) throw error;
    }
  };
  return { run: () => runWorkers(queue, 1, sync, ctx.log), stop: () => queue.shutDown() };
}
