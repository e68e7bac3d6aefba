/**
 * Node lifecycle controller shell: every monitor period (5 s) it checks each Node's Lease
 * and heartbeat against --node-monitor-grace-period, marks silent nodes Unknown, keeps the
 * not-ready/unreachable/unschedulable taints in line with the Ready condition, and evicts
 * (deletes) Pods from NoExecute-tainted nodes when their tolerations run out.
 */
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { NODE, POD, type Node, type Pod } from '../../client-machinery/core/api-types.ts';
import { desiredTaints, evictionTime, staleConditions, updateProbe, type Probe } from '../core/node-lifecycle.ts';
import type { ControllerContext } from './controller-context.ts';

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' } as const;

interface Lease extends KubeObject {
  spec?: { renewTime?: string };
}

export interface NodeLifecycleOptions {
  gracePeriodMs: number;
  monitorPeriodMs: number;
}

export function startNodeLifecycleController(ctx: ControllerContext, options: NodeLifecycleOptions): { run(): Promise<void>; stop(): void } {
  const nodes = ctx.informer<Node>(NODE);
  const pods = ctx.informer<Pod>(POD);
  const leases = ctx.informer<Lease>(LEASE);
  const probes = new Map<string, Probe>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const evicting = new Set<string>();
  const monitor = async (): Promise<void> => {
    const now = ctx.now();
    for (const node of nodes.list()) {
      const name = node.metadata.name;
      const lease = leases.get(`kube-node-lease/${name}`);
      const probe = updateProbe(probes.get(name), node, lease?.spec?.renewTime, now);
      probes.set(name, probe);
      let current = node;
      try {
        const conditions = staleConditions(node, probe, now, options.gracePeriodMs);
        if (conditions !== undefined) {
          ctx.log(`node ${name}: no heartbeat or lease renewal for ${Math.round((now - probe.at) / 1000)} s, conditions set to Unknown`);
          current = await ctx.api.updateStatus<Node>({ ...node, status: { ...(node.status ?? {}), conditions } });
          ctx.events.event(current, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        }
        const taints = desiredTaints(current, now);
        if (taints !== undefined) {
          ctx.log(`node ${name}: taints now ${taints.map((t) => `${t.key}:${t.effect}`).join(', ') || 'none managed'}`);
          current = await ctx.api.update<Node>({ ...current, spec: { ...(current.spec ?? {}), taints } });
        }
      } catch (error) {
        ctx.log(`node ${name}: ${String(error)}`); // a conflict: the next period retries on fresh state
        continue;
      }
      const noExecute = (current.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
      if (noExecute.length === 0) continue;
      for (const pod of pods.list()) {
        if (pod.spec.nodeName !== name || pod.metadata.deletionTimestamp !== undefined) continue;
        const when = evictionTime(pod, noExecute);
        if (when === undefined || (when !== 'now' && when > now)) continue;
        const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
        if (evicting.has(key)) continue;
        evicting.add(key);
        ctx.log(`evicting pod ${key} from node ${name} (taint ${noExecute.map((t) => t.key).join(',')})`);
        ctx.events.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
        try {
          await ctx.api.delete({ ...POD, name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default' }, { preconditions: { uid: pod.metadata.uid ?? '' } });
        } catch (error) {
          ctx.log(`evicting ${key}: ${String(error)}`);
        } finally {
          evicting.delete(key);
        }
      }
    }
  };
  const tick = (): void => {
    if (stopped) return;
    running = monitor()
      .catch((error: unknown) => ctx.log(`node lifecycle: ${String(error)}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.monitorPeriodMs);
      });
  };
  return {
    run: async () => {
      tick();
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (stopped) {
            clearInterval(check);
            resolve();
          }
        }, 200);
      });
      await running;
    },
    stop: () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
