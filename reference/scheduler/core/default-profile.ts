/** The default-scheduler profile: which plugins run at which extension point, in order. */
import type { Profile } from './framework.ts';
import { DefaultBinder } from './plugins/default-binder.ts';
import { InterPodAffinity } from './plugins/inter-pod-affinity.ts';
import { LeastAllocated } from './plugins/least-allocated.ts';
import { NodeAffinity } from './plugins/node-affinity.ts';
import { NodeName } from './plugins/node-name.ts';
import { NodePorts } from './plugins/node-ports.ts';
import { NodeReady } from './plugins/node-ready.ts';
import { NodeResourcesFit } from './plugins/node-resources-fit.ts';
import { NodeUnschedulable } from './plugins/node-unschedulable.ts';
import { PrioritySort } from './plugins/priority-sort.ts';
import { SelectorSpread } from './plugins/selector-spread.ts';
import { TaintToleration } from './plugins/taint-toleration.ts';

export function defaultProfile(schedulerName = 'default-scheduler'): Profile {
  return {
    schedulerName,
    queueSort: PrioritySort,
    preFilter: [NodeResourcesFit, NodePorts, InterPodAffinity],
    // Cheap, unresolvable checks first: the first failing filter decides a node's reason,
    // as upstream's RunFilterPlugins stops at the first non-success.
    filter: [NodeUnschedulable, NodeName, NodeReady, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, InterPodAffinity],
    score: [TaintToleration, NodeAffinity, LeastAllocated, SelectorSpread],
    bind: DefaultBinder,
  };
}
