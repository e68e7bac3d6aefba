/**
 * LeastAllocated scoring (upstream noderesources/least_allocated.go): per resource
 * (allocatable - requested) * 100 / allocatable, with the incoming Pod counted, averaged
 * over cpu and memory with weight 1 each. Best-effort Pods count as 100m / 200Mi.
 */
import type { Pod } from '../../../client-machinery/core/api-types.ts';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework.ts';
import { nonZeroRequests } from '../resources.ts';
import type { NodeInfo } from '../snapshot.ts';

const KEY = 'PreScoreLeastAllocated';

function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export const LeastAllocated = {
  name: 'NodeResourcesLeastAllocated',
  weight: 1,
  score(state: CycleState, pod: Pod, node: NodeInfo): number {
    let request = state.read<{ milliCpu: number; memory: number }>(KEY);
    if (request === undefined) {
      request = nonZeroRequests(pod);
      state.write(KEY, request);
    }
    const cpu = leastRequested(node.nonZeroRequested.milliCpu + request.milliCpu, node.allocatable.milliCpu);
    const memory = leastRequested(node.nonZeroRequested.memory + request.memory, node.allocatable.memory);
    return Math.floor((cpu + memory) / 2);
  },
} satisfies ScorePlugin;
