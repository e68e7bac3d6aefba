/** Majority arithmetic over a set of voters. */

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** The highest index replicated on a majority: the majority-th largest match index. */
export function committedIndex(matches: number[]): number {
  if (matches.length === 0) return 0;
  const sorted = [...matches].sort((a, b) => b - a);
  return sorted[majority(matches.length) - 1] ?? 0;
}

export type VoteResult = 'won' | 'lost' | 'pending';

export function voteResult(voters: readonly bigint[], votes: ReadonlyMap<bigint, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const need = majority(voters.length);
  if (granted >= need) return 'won';
  if (voters.length - rejected < need) return 'lost';
  return 'pending';
}
