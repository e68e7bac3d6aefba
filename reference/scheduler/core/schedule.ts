/**
 * One scheduling cycle as a pure function of a Pod and a snapshot (upstream
 * schedulePod: findNodesThatFitPod, prioritizeNodes, selectHost). No I/O: the shell binds.
 * Every node is evaluated (no percentageOfNodesToScore sampling) so the outcome is exact.
 */
import type { Pod } from '../../client-machinery/core/api-types.ts';
import { fitErrorMessage } from './fit-error.ts';
import { CycleState, type Profile } from './framework.ts';
import type { NodeInfo, Snapshot } from './snapshot.ts';

export type ScheduleResult =
  | { node: string; feasible: number; scores?: Map<string, number> }
  | { unschedulable: { reasons: Map<string, string[]>; message: string } };

export interface ScheduleOptions {
  /** Breaks ties between top-scored nodes; [0,1). Absent: the first node by name wins. */
  random?: () => number;
  /** Return per-node total scores (tests and explanations). */
  withScores?: boolean;
}

export function schedule(pod: Pod, snapshot: Snapshot, profile: Profile, options: ScheduleOptions = {}): ScheduleResult {
  const state = new CycleState();
  const reasons = new Map<string, string[]>();
  for (const plugin of profile.preFilter) {
    const status = plugin.preFilter(state, pod, snapshot);
    if (status !== undefined) {
      for (const n of snapshot.nodes) reasons.set(n.name, status.reasons);
      return { unschedulable: { reasons, message: fitErrorMessage(snapshot.nodes.length, reasons) } };
    }
  }

  const feasible: NodeInfo[] = [];
  nodes: for (const node of snapshot.nodes) {
    for (const plugin of profile.filter) {
      const status = plugin.filter(state, pod, node);
      if (status !== undefined) {
        reasons.set(node.name, status.reasons);
        continue nodes;
      }
    }
    feasible.push(node);
  }
  if (feasible.length === 0) {
    return { unschedulable: { reasons, message: fitErrorMessage(snapshot.nodes.length, reasons) } };
  }
  if (feasible.length === 1 && options.withScores !== true) return { node: feasible[0]!.name, feasible: 1 };

  const totals = new Array<number>(feasible.length).fill(0);
  const raw = new Array<number>(feasible.length);
  for (const plugin of profile.score) {
    for (let i = 0; i < feasible.length; i++) raw[i] = plugin.score(state, pod, feasible[i]!);
    plugin.normalize?.(raw);
    for (let i = 0; i < feasible.length; i++) totals[i]! += (raw[i] ?? 0) * plugin.weight;
  }

  // selectHost: the highest total; ties broken by reservoir sampling when a random source is given.
  let best = 0;
  let ties = 1;
  for (let i = 1; i < feasible.length; i++) {
    if (totals[i]! > totals[best]!) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best] && options.random !== undefined) {
      ties++;
      if (Math.floor(options.random() * ties) === 0) best = i;
    }
  }
  const result: ScheduleResult = { node: feasible[best]!.name, feasible: feasible.length };
  if (options.withScores === true) result.scores = new Map(feasible.map((n, i) => [n.name, totals[i]!]));
  return result;
}
