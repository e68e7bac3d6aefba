/**
 * NodeResourcesFit: the Pod's requests must fit into allocatable minus what bound Pods
 * request (upstream noderesources/fit.go). Reasons use upstream wording: "Insufficient cpu",
 * "Insufficient memory", "Too many pods", "Insufficient <resource>".
 */
import type { Pod } from '../../../client-machinery/core/api-types.ts';
import { unschedulable, type CycleState, type FilterPlugin, type PreFilterPlugin, type Result } from '../framework.ts';
import { podRequests, type Resources } from '../resources.ts';
import type { NodeInfo } from '../snapshot.ts';

const KEY = 'PreFilterNodeResourcesFit';

/** Pure: every reason the request does not fit the node, empty when it fits. */
export function insufficientResources(request: Resources, node: NodeInfo): string[] {
  const reasons: string[] = [];
  if (node.requested.pods + 1 > node.allocatable.pods) reasons.push('Too many pods');
  if (request.milliCpu > 0 && request.milliCpu > node.allocatable.milliCpu - node.requested.milliCpu) reasons.push('Insufficient cpu');
  if (request.memory > 0 && request.memory > node.allocatable.memory - node.requested.memory) reasons.push('Insufficient memory');
  for (const [name, amount] of request.scalar) {
    if (amount > 0 && amount > (node.allocatable.scalar.get(name) ?? 0) - (node.requested.scalar.get(name) ?? 0)) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

export const NodeResourcesFit = {
  name: 'NodeResourcesFit',
  preFilter(state: CycleState, pod: Pod): Result {
    state.write(KEY, podRequests(pod));
    return undefined;
  },
  filter(state: CycleState, pod: Pod, node: NodeInfo): Result {
    const request = state.read<Resources>(KEY) ?? podRequests(pod);
    const reasons = insufficientResources(request, node);
    return reasons.length === 0 ? undefined : unschedulable(...reasons);
  },
} satisfies PreFilterPlugin & FilterPlugin;
