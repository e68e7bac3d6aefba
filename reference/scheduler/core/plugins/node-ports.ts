/**
 * NodePorts (upstream nodeports): a Pod's hostPorts must be free on the node. Same protocol
 * and port conflict when the host IPs are equal or either is 0.0.0.0 (all addresses).
 */
import type { Pod } from '../../../client-machinery/core/api-types.ts';
import { unschedulable, type CycleState, type FilterPlugin, type PreFilterPlugin, type Result } from '../framework.ts';
import { hostPorts, type HostPort, type NodeInfo } from '../snapshot.ts';

const KEY = 'PreFilterNodePorts';

export function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.protocol !== b.protocol || a.port !== b.port) return false;
  return a.hostIP === b.hostIP || a.hostIP === '0.0.0.0' || b.hostIP === '0.0.0.0';
}

export const NodePorts = {
  name: 'NodePorts',
  preFilter(state: CycleState, pod: Pod): Result {
    state.write(KEY, hostPorts(pod));
    return undefined;
  },
  filter(state: CycleState, pod: Pod, node: NodeInfo): Result {
    const wanted = state.read<HostPort[]>(KEY) ?? hostPorts(pod);
    for (const w of wanted) {
      for (const used of node.usedPorts) {
        if (portsConflict(w, used)) return unschedulable("node(s) didn't have free ports for the requested pod ports");
      }
    }
    return undefined;
  },
} satisfies PreFilterPlugin & FilterPlugin;
