/**
 * ReplicaSet controller shell: informers on ReplicaSets and Pods enqueue the owning
 * ReplicaSet's key; a worker reconciles it with the pure core, guarded by expectations so
 * it never creates or deletes twice before its informer shows the first round.
 */
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { keyOf, POD, type Pod } from '../../client-machinery/core/api-types.ts';
import { Expectations } from '../../client-machinery/core/expectations.ts';
import { selectorMatches } from '../../client-machinery/core/label-selector.ts';
import { runWorkers, WorkQueue } from '../../client-machinery/shell/work-queue.ts';
import { controllerOf } from '../core/pod-helpers.ts';
import { reconcileReplicaSet } from '../core/replica-set.ts';
import type { ReplicaSet } from '../core/workload-types.ts';
import type { ControllerContext } from './controller-context.ts';

export const REPLICA_SET = { apiVersion: 'apps/v1', kind: 'ReplicaSet' } as const;

export function startReplicaSetController(ctx: ControllerContext, workers = 2): { run(): Promise<void>; stop(): void } {
  const sets = ctx.informer<ReplicaSet>(REPLICA_SET);
  const pods = ctx.informer<Pod>(POD);
  const queue = new WorkQueue();
  const expectations = new Expectations();

  const enqueueOwner = (pod: Pod): void => {
    const ref = controllerOf(pod);
    if (ref !== undefined) {
      if (ref.kind === 'ReplicaSet') queue.add(`${pod.metadata.namespace ?? ''}/${ref.name}`);
      return;
    }
    // An orphan: any ReplicaSet whose selector matches may adopt it.
    for (const rs of sets.list(pod.metadata.namespace)) if (selectorMatches(rs.spec.selector, pod.metadata.labels)) queue.add(keyOf(rs));
  };
  sets.addHandler({ onAdd: (rs) => queue.add(keyOf(rs)), onUpdate: (_, rs) => queue.add(keyOf(rs)), onDelete: (rs) => { expectations.forget(keyOf(rs)); } });
  pods.addHandler({
    onAdd: (pod) => {
      const ref = controllerOf(pod);
      if (ref?.kind === 'ReplicaSet') expectations.creationObserved(`${pod.metadata.namespace ?? ''}/${ref.name}`);
      enqueueOwner(pod);
    },
    onUpdate: (old, pod) => {
      const was = controllerOf(old);
      if (was?.kind === 'ReplicaSet' && was.uid !== controllerOf(pod)?.uid) queue.add(`${old.metadata.namespace ?? ''}/${was.name}`);
      if (pod.metadata.deletionTimestamp !== undefined && old.metadata.deletionTimestamp === undefined) {
        const ref = controllerOf(pod);
        if (ref?.kind === 'ReplicaSet') expectations.deletionObserved(`${pod.metadata.namespace ?? ''}/${ref.name}`, pod.metadata.uid ?? '');
      }
      enqueueOwner(pod);
    },
    onDelete: (pod) => {
      const ref = controllerOf(pod);
      if (ref?.kind === 'ReplicaSet') expectations.deletionObserved(`${pod.metadata.namespace ?? ''}/${ref.name}`, pod.metadata.uid ?? '');
      enqueueOwner(pod);
    },
  });

  const sync = async (key: string): Promise<void> => {
    const rs = sets.get(key);
    if (rs === undefined) return;
    if (!expectations.satisfied(key, ctx.now())) return; // our own writes are still on their way
    const plan = reconcileReplicaSet(rs, pods.list(rs.metadata.namespace), ctx.now());
    if (plan.creations > 0) expectations.expectCreations(key, plan.creations, ctx.now());
    if (plan.deletions.length > 0) expectations.expectDeletions(key, plan.deletions, ctx.now());
    if (plan.creations > 0 || plan.deletions.length > 0) ctx.log(`replicaset ${key}: ${plan.creations > 0 ? `creating ${plan.creations}` : `deleting ${plan.deletions.length}`} pod(s)`);
    await ctx.apply(plan.actions, {
      created: (_obj: KubeObject) => undefined,
      createFailed: () => expectations.creationFailed(key),
    });
    // Availability with minReadySeconds needs a later look even without events.
    if ((rs.spec.minReadySeconds ?? 0) > 0) queue.addAfter(key, (rs.spec.minReadySeconds ?? 0) * 1000);
  };
  return { run: () => runWorkers(queue, workers, sync, ctx.log), stop: () => queue.shutDown() };
}
