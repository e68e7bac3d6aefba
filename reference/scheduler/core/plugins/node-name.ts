/** NodeName: a Pod that names a node fits only that node (upstream nodename/node_name.go). */
import type { Pod } from '../../../client-machinery/core/api-types.ts';
import { unresolvable, type CycleState, type FilterPlugin, type Result } from '../framework.ts';
import type { NodeInfo } from '../snapshot.ts';

export const NodeName = {
  name: 'NodeName',
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Result {
    const wanted = pod.spec.nodeName;
    if (wanted === undefined || wanted === '' || wanted === node.name) return undefined;
    return unresolvable("node(s) didn't match the requested node name");
  },
} satisfies FilterPlugin;
