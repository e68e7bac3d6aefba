/**
 * The FailedScheduling message, worded as upstream FitError.Error():
 * "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}."
 * Each node contributes each of its reasons once; "<count> <reason>" strings are sorted.
 */

export function fitErrorMessage(numAllNodes: number, reasonsByNode: ReadonlyMap<string, readonly string[]>): string {
  if (numAllNodes === 0) return 'no nodes available to schedule pods';
  const counts = new Map<string, number>();
  for (const reasons of reasonsByNode.values()) {
    for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const parts = [...counts].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${numAllNodes} nodes are available: ${parts.join(', ')}.`;
}
