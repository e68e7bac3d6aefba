/**
 * InterPodAffinity, required anti-affinity part (upstream interpodaffinity): a node is
 * infeasible when its topology domain (the value of the term's topologyKey label, e.g.
 * kubernetes.io/hostname) already holds a Pod the incoming Pod's terms select, or a Pod whose
 * own anti-affinity terms select the incoming Pod. PreFilter collects the forbidden domains
 * once per cycle so Filter is a lookup per node.
 */
import type { Pod, PodAffinityTerm } from '../../../client-machinery/core/api-types.ts';
import { selectorMatches } from '../../../client-machinery/core/label-selector.ts';
import { unschedulable, type CycleState, type FilterPlugin, type PreFilterPlugin, type Result } from '../framework.ts';
import type { NodeInfo, Snapshot } from '../snapshot.ts';

const KEY = 'PreFilterInterPodAffinity';

interface Forbidden {
  /** "topologyKey\u0000value" domains the incoming Pod's own terms rule out. */
  own: Set<string>;
  /** Domains ruled out by existing Pods' anti-affinity towards the incoming Pod. */
  existing: Set<string>;
}

function termSelects(term: PodAffinityTerm, owner: Pod, candidate: Pod): boolean {
  const namespaces = term.namespaces !== undefined && term.namespaces.length > 0 ? term.namespaces : [owner.metadata.namespace ?? 'default'];
  if (!namespaces.includes(candidate.metadata.namespace ?? 'default')) return false;
  // A term without a labelSelector selects no Pods (upstream: nil selector matches nothing).
  return term.labelSelector !== undefined && selectorMatches(term.labelSelector, candidate.metadata.labels);
}

function domain(term: PodAffinityTerm, node: NodeInfo): string | undefined {
  const value = node.labels[term.topologyKey];
  return value === undefined ? undefined : `${term.topologyKey}\u0000${value}`;
}

export function forbiddenDomains(pod: Pod, snapshot: Snapshot): Forbidden {
  const result: Forbidden = { own: new Set(), existing: new Set() };
  const ownTerms = pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  if (ownTerms.length > 0) {
    for (const node of snapshot.nodes) {
      for (const existing of node.pods) {
        for (const term of ownTerms) {
          const d = domain(term, node);
          if (d !== undefined && termSelects(term, pod, existing)) result.own.add(d);
        }
      }
    }
  }
  for (const { pod: existing, node } of snapshot.podsWithRequiredAntiAffinity) {
    for (const term of existing.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const d = domain(term, node);
      if (d !== undefined && termSelects(term, existing, pod)) result.existing.add(d);
    }
  }
  return result;
}

function hits(set: Set<string>, node: NodeInfo): boolean {
  if (set.size === 0) return false;
  for (const [k, v] of Object.entries(node.labels)) if (set.has(`${k}\u0000${v}`)) return true;
  return false;
}

export const InterPodAffinity = {
  name: 'InterPodAffinity',
  preFilter(state: CycleState, pod: Pod, snapshot: Snapshot): Result {
    state.write(KEY, forbiddenDomains(pod, snapshot));
    return undefined;
  },
  filter(state: CycleState, _pod: Pod, node: NodeInfo): Result {
    const forbidden = state.read<Forbidden>(KEY);
    if (forbidden === undefined) return undefined;
    if (hits(forbidden.own, node)) return unschedulable("node(s) didn't match pod anti-affinity rules");
    if (hits(forbidden.existing, node)) return unschedulable("node(s) didn't satisfy existing pods anti-affinity rules");
    return undefined;
  },
} satisfies PreFilterPlugin & FilterPlugin;
