/**
 * NodeReady: a node whose Ready condition is not True takes only Pods that tolerate the
 * taint the node lifecycle controller would put on it (not-ready when False, unreachable
 * when Unknown or absent). Upstream relies on those taints alone; checking the condition too
 * closes the window before the controller has tainted the node.
 */
import type { Pod, Taint } from '../../../client-machinery/core/api-types.ts';
import { unresolvable, type CycleState, type FilterPlugin, type Result } from '../framework.ts';
import type { NodeInfo } from '../snapshot.ts';
import { toleratesTaint } from '../tolerations.ts';

const NOT_READY: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
const UNREACHABLE: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };

export function readyStatus(node: NodeInfo): 'True' | 'False' | 'Unknown' {
  const ready = node.node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status ?? 'Unknown';
}

export const NodeReady = {
  name: 'NodeReady',
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Result {
    const status = readyStatus(node);
    if (status === 'True') return undefined;
    if (toleratesTaint(pod.spec.tolerations, status === 'False' ? NOT_READY : UNREACHABLE)) return undefined;
    return unresolvable('node(s) were not ready');
  },
} satisfies FilterPlugin;
