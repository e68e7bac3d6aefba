/**
 * Garbage collector shell: watches the kinds whose ownership it understands and, whenever
 * one changes (debounced), applies the pure gcActions. Before deleting a dependent whose
 * owners look gone, it asks the apiserver: an owner created a moment ago may simply not be
 * in the cache yet (upstream's GC does the same live lookup).
 */
import type { KindRef, KubeObject, ObjectKey } from '../../../src/ports/kube-api.ts';
import { POD } from '../../client-machinery/core/api-types.ts';
import type { Action } from '../core/actions.ts';
import { gcActions, kindKey } from '../core/garbage-collector.ts';
import type { ControllerContext } from './controller-context.ts';
import { DEPLOYMENT } from './deployment-controller.ts';
import { ENDPOINT_SLICE, SERVICE } from './endpoints-controller.ts';
import { REPLICA_SET } from './replica-set-controller.ts';

export const GC_KINDS: KindRef[] = [POD, REPLICA_SET, DEPLOYMENT, SERVICE, ENDPOINT_SLICE, { apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'Secret' }];

export function startGarbageCollector(ctx: ControllerContext): { run(): Promise<void>; stop(): void } {
  const informers = GC_KINDS.map((k) => ctx.informer<KubeObject>(k));
  const watched = new Set(GC_KINDS.map(kindKey));
  let scheduled: NodeJS.Timeout | undefined;
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();
  const periodic = setInterval(() => trigger(), 30_000);

  const ownersReallyGone = async (obj: KubeObject): Promise<boolean> => {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const key: ObjectKey = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
      if (obj.metadata.namespace !== undefined) key.namespace = obj.metadata.namespace;
      const live = await ctx.api.get(key).catch(() => 'error' as const);
      if (live === 'error') return false;
      if (live !== undefined && live.metadata.uid === ref.uid) return false;
    }
    return true;
  };

  const pass = async (): Promise<void> => {
    const all = informers.flatMap((i) => i.list());
    const actions = gcActions(all, watched);
    for (const a of actions) {
      try {
        if (a.type === 'delete' && a.propagationPolicy === 'Background') {
          const obj = all.find((o) => o.metadata.uid === a.uid);
          if (obj === undefined || !(await ownersReallyGone(obj))) continue;
          ctx.log(`garbage collecting ${a.key.kind} ${a.key.namespace ?? ''}/${a.key.name}: its owners are gone`);
        }
        await ctx.apply([a] as Action[]);
      } catch (error) {
        ctx.log(`gc ${a.type}: ${String(error)}`);
      }
    }
  };
  const trigger = (): void => {
    if (stopped || scheduled !== undefined) return;
    scheduled = setTimeout(() => {
      scheduled = undefined;
      busy = busy.then(pass).catch((error: unknown) => ctx.log(`gc pass: ${String(error)}`));
    }, 200);
  };
  for (const i of informers) i.addHandler({ onAdd: trigger, onUpdate: trigger, onDelete: trigger });

  return {
    run: async () => {
      trigger();
      while (!stopped) await new Promise((r) => setTimeout(r, 250));
      await busy;
    },
    stop: () => {
      stopped = true;
      clearInterval(periodic);
      if (scheduled !== undefined) clearTimeout(scheduled);
    },
  };
}
