/**
 * NodeAffinity (upstream nodeaffinity): spec.nodeSelector and required node affinity filter
 * (terms are ORed, expressions inside a term ANDed, an empty term matches nothing);
 * preferred terms score by the sum of the weights they match, normalised to 0..100.
 */
import type { NodeSelectorTerm, Pod } from '../../../client-machinery/core/api-types.ts';
import { requirementMatches } from '../../../client-machinery/core/label-selector.ts';
import { defaultNormalize, unresolvable, type CycleState, type FilterPlugin, type Result, type ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../snapshot.ts';

export function termMatches(term: NodeSelectorTerm, node: NodeInfo): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  for (const req of expressions) if (!requirementMatches(req, node.labels)) return false;
  // metadata.name is the only field upstream supports in matchFields.
  for (const req of fields) if (req.key !== 'metadata.name' || !requirementMatches({ ...req, key: 'n' }, { n: node.name })) return false;
  return true;
}

export function nodeMatchesPodAffinity(pod: Pod, node: NodeInfo): boolean {
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (node.labels[k] !== v) return false;
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  return required.nodeSelectorTerms.some((term) => termMatches(term, node));
}

export const NodeAffinity = {
  name: 'NodeAffinity',
  weight: 2,
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Result {
    return nodeMatchesPodAffinity(pod, node) ? undefined : unresolvable("node(s) didn't match Pod's node affinity/selector");
  },
  score(_state: CycleState, pod: Pod, node: NodeInfo): number {
    let sum = 0;
    for (const p of pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (termMatches(p.preference, node)) sum += p.weight;
    }
    return sum;
  },
  normalize(scores: number[]): void {
    defaultNormalize(scores, false);
  },
} satisfies FilterPlugin & ScorePlugin;
