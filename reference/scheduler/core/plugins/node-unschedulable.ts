/**
 * NodeUnschedulable: cordoned nodes (spec.unschedulable) take only Pods that tolerate
 * node.kubernetes.io/unschedulable:NoSchedule (upstream nodeunschedulable).
 */
import type { Pod, Taint } from '../../../client-machinery/core/api-types.ts';
import { unresolvable, type CycleState, type FilterPlugin, type Result } from '../framework.ts';
import type { NodeInfo } from '../snapshot.ts';
import { toleratesTaint } from '../tolerations.ts';

const TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export const NodeUnschedulable = {
  name: 'NodeUnschedulable',
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Result {
    if (node.node.spec?.unschedulable !== true) return undefined;
    if (toleratesTaint(pod.spec.tolerations, TAINT)) return undefined;
    return unresolvable('node(s) were unschedulable');
  },
} satisfies FilterPlugin;
