/**
 * TaintToleration (upstream tainttoleration): Filter rejects nodes with an untolerated
 * NoSchedule or NoExecute taint; Score prefers nodes with fewer untolerated PreferNoSchedule
 * taints (reverse-normalised count).
 */
import type { Pod } from '../../../client-machinery/core/api-types.ts';
import { defaultNormalize, unresolvable, type CycleState, type FilterPlugin, type Result, type ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../snapshot.ts';
import { firstUntolerated, toleratesTaint } from '../tolerations.ts';

export const TaintToleration = {
  name: 'TaintToleration',
  weight: 3,
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Result {
    const taint = firstUntolerated(node.node.spec?.taints, pod.spec.tolerations, ['NoSchedule', 'NoExecute']);
    if (taint === undefined) return undefined;
    return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
  },
  score(_state: CycleState, pod: Pod, node: NodeInfo): number {
    let count = 0;
    for (const taint of node.node.spec?.taints ?? []) {
      if (taint.effect === 'PreferNoSchedule' && !toleratesTaint(pod.spec.tolerations, taint)) count++;
    }
    return count;
  },
  normalize(scores: number[]): void {
    defaultNormalize(scores, true);
  },
} satisfies FilterPlugin & ScorePlugin;
