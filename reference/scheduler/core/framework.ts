/**
 * The scheduling framework's extension points, one tiny interface each, after upstream
 * pkg/scheduler/framework/interface.go. Outcomes are Status values, never exceptions, so a
 * plugin's refusal is data the FailedScheduling message can summarise.
 */
import type { Pod } from '../../client-machinery/core/api-types.ts';
import type { NodeInfo, Snapshot } from './snapshot.ts';

export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

export interface Status {
  code: Exclude<Code, 'Success'>;
  /** Reasons in upstream wording, e.g. "Insufficient cpu"; the fit error counts them per node. */
  reasons: string[];
}

/** `undefined` means Success: the hot path (1,000 nodes x every Filter) allocates nothing. */
export type Result = Status | undefined;

export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons };
}

export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons };
}

/** Per-cycle scratch space: PreFilter computes once what Filter and Score read per node. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

export interface QueuedPodInfo {
  pod: Pod;
  /** When the Pod entered the queue, in the queue's clock; older first among equals. */
  timestamp: number;
  attempts: number;
}

export interface QueueSortPlugin {
  readonly name: string;
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

export interface PreFilterPlugin {
  readonly name: string;
  preFilter(state: CycleState, pod: Pod, snapshot: Snapshot): Result;
}

export interface FilterPlugin {
  readonly name: string;
  filter(state: CycleState, pod: Pod, node: NodeInfo): Result;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /** Raw score for one feasible node. */
  score(state: CycleState, pod: Pod, node: NodeInfo): number;
  /** Maps raw scores onto 0..MAX_NODE_SCORE in place (upstream NormalizeScore). */
  normalize?(scores: number[]): void;
}

/** The Binding object to POST to pods/binding; the shell does the I/O. */
export interface Binding {
  apiVersion: 'v1';
  kind: 'Binding';
  metadata: { name: string; namespace: string; uid?: string };
  target: { apiVersion: 'v1'; kind: 'Node'; name: string };
}

export interface BindPlugin {
  readonly name: string;
  bind(pod: Pod, nodeName: string): Binding;
}

export const MAX_NODE_SCORE = 100;

/** Upstream DefaultNormalizeScore: scale to 0..100 by the maximum; reverse for "fewer is better". */
export function defaultNormalize(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) {
      scores[i] = reverse ? MAX_NODE_SCORE : 0;
      continue;
    }
    const scaled = Math.floor((MAX_NODE_SCORE * (scores[i] ?? 0)) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - scaled : scaled;
  }
}

export interface Profile {
  schedulerName: string;
  queueSort: QueueSortPlugin;
  preFilter: PreFilterPlugin[];
  filter: FilterPlugin[];
  score: ScorePlugin[];
  bind: BindPlugin;
}
