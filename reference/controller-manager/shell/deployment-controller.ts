/** Deployment controller shell: Deployments, their ReplicaSets and Pods enqueue the Deployment. */
import { keyOf, POD, type Pod } from '../../client-machinery/core/api-types.ts';
import { selectorMatches } from '../../client-machinery/core/label-selector.ts';
import { runWorkers, WorkQueue } from '../../client-machinery/shell/work-queue.ts';
import { reconcileDeployment } from '../core/deployment.ts';
import { controllerOf } from '../core/pod-helpers.ts';
import type { Deployment, ReplicaSet } from '../core/workload-types.ts';
import type { ControllerContext } from './controller-context.ts';
import { REPLICA_SET } from './replica-set-controller.ts';

export const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

export function startDeploymentController(ctx: ControllerContext, workers = 2): { run(): Promise<void>; stop(): void } {
  const deployments = ctx.informer<Deployment>(DEPLOYMENT);
  const sets = ctx.informer<ReplicaSet>(REPLICA_SET);
  const pods = ctx.informer<Pod>(POD);
  const queue = new WorkQueue();

  const enqueueFor = (rs: ReplicaSet): void => {
    const ref = controllerOf(rs);
    if (ref?.kind === 'Deployment') queue.add(`${rs.metadata.namespace}/${ref.name}`);
    else if (ref === undefined) for (const d of deployments.list(rs.metadata.namespace)) if (selectorMatches(d.spec.selector, rs.spec.template.metadata?.labels)) queue.add(keyOf(d));
  };
  deployments.addHandler({ onAdd: (d) => queue.add(keyOf(d)), onUpdate: (_, d) => queue.add(keyOf(d)) });
  sets.addHandler({ onAdd: enqueueFor, onUpdate: (_, rs) => enqueueFor(rs), onDelete: enqueueFor });
  // Recreate waits for old Pods to be gone: their deletion must wake the Deployment.
  pods.addHandler({
    onDelete: (pod) => {
      const ref = controllerOf(pod);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = sets.get(`${pod.metadata.namespace ?? ''}/${ref.name}`);
      if (rs !== undefined) enqueueFor(rs);
    },
  });

  const sync = async (key: string): Promise<void> => {
    const d = deployments.get(key);
    if (d === undefined) return;
    const result = reconcileDeployment({ deployment: d, replicaSets: sets.list(d.metadata.namespace), pods: pods.list(d.metadata.namespace), now: ctx.now() });
    await ctx.apply(result.actions);
    if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
  };
  return { run: () => runWorkers(queue, workers, sync, ctx.log), stop: () => queue.shutDown() };
}
