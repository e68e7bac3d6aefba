/**
 * Spreading (in the spirit of upstream's default PodTopologySpread / former SelectorSpread):
 * prefer nodes holding fewer Pods of the same set (spread-group.ts). Reverse-normalised
 * count, so replicas of one ReplicaSet land on different nodes.
 */
import type { Pod } from '../../../client-machinery/core/api-types.ts';
import { defaultNormalize, type CycleState, type ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../snapshot.ts';
import { spreadGroup } from '../spread-group.ts';

const KEY = 'PreScoreSpread';

export const SelectorSpread = {
  name: 'SelectorSpread',
  weight: 2,
  score(state: CycleState, pod: Pod, node: NodeInfo): number {
    let group = state.read<string | null>(KEY);
    if (group === undefined) {
      group = spreadGroup(pod) ?? null;
      state.write(KEY, group);
    }
    return group === null ? 0 : (node.spreadCounts.get(group) ?? 0);
  },
  normalize(scores: number[]): void {
    defaultNormalize(scores, true);
  },
} satisfies ScorePlugin;
