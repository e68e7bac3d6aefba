/**
 * Pod garbage collection, orphan part (upstream podgc gcOrphaned): a Pod bound to a Node
 * that no longer exists has no kubelet to finish it, so it is force-deleted (grace 0) once
 * the Node has been missing on two checks in a row (the cache may lag a fresh Node).
 */
import { NODE, POD, type Node, type Pod } from '../../client-machinery/core/api-types.ts';
import type { ControllerContext } from './controller-context.ts';

export function startPodGcController(ctx: ControllerContext, periodMs = 5000): { run(): Promise<void>; stop(): void } {
  const nodes = ctx.informer<Node>(NODE);
  const pods = ctx.informer<Pod>(POD);
  let suspects = new Set<string>();
  let stopped = false;
  const pass = async (): Promise<void> => {
    const next = new Set<string>();
    for (const pod of pods.list()) {
      const node = pod.spec.nodeName ?? '';
      if (node === '' || nodes.get(node) !== undefined) continue;
      const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
      if (!suspects.has(key)) {
        next.add(key);
        continue;
      }
      ctx.log(`force-deleting orphaned pod ${key}: node ${node} does not exist`);
      await ctx.api.delete({ ...POD, name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default' }, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid ?? '' } }).catch((e: unknown) => ctx.log(`podgc ${key}: ${String(e)}`));
    }
    suspects = next;
  };
  return {
    run: async () => {
      while (!stopped) {
        await pass().catch((e: unknown) => ctx.log(`podgc: ${String(e)}`));
        for (let waited = 0; waited < periodMs && !stopped; waited += 200) await new Promise((r) => setTimeout(r, 200));
      }
    },
    stop: () => {
      stopped = true;
    },
  };
}
