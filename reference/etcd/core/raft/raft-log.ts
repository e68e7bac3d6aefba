import type { Entry, Snapshot } from './types.ts';

/**
 * The replicated log as one member sees it: a compacted prefix (summarised by a snapshot's
 * index and term), the retained entries, and the markers stabled <= lastIndex,
 * applied <= committed. The core keeps retained entries in memory; the shell persists what
 * `unstableEntries()` returns and reports back with `stableTo`.
 */
export class RaftLog {
  /** Index and term of the last compacted entry (the snapshot's). */
  offset = 0;
  offsetTerm = 0;
  /** entries[i].index === offset + 1 + i */
  entries: Entry[] = [];
  committed = 0;
  applied = 0;
  /** Highest index known to be durably persisted. */
  stabled = 0;
  /** A snapshot received from the leader that the shell has not persisted yet. */
  pendingSnapshot: Snapshot | undefined;

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of entry `index`, or undefined if compacted away or not there yet. */
  term(index: number): number | undefined {
    if (index === this.offset) return this.offsetTerm;
    if (index < this.offset || index > this.lastIndex()) return undefined;
    return this.entries[index - this.offset - 1]?.term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi), at most maxEntries of them. lo must be > offset. */
  slice(lo: number, hi: number, maxEntries = Number.MAX_SAFE_INTEGER): Entry[] {
    const start = lo - this.offset - 1;
    const end = Math.min(hi - this.offset - 1, start + maxEntries);
    return this.entries.slice(start, end);
  }

  /** Append entries from the leader after checking the log matching property at (index, logTerm).
   *  Returns the last index of the new entries, or undefined on a mismatch. */
  maybeAppend(index: number, logTerm: number, commit: number, entries: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      const first = entries[0];
      if (first === undefined) throw new Error('raft: conflict without entries');
      this.truncateAndAppend(entries.slice(conflict - first.index));
    }
    // Only commit what the leader has shown us matches (§5.3: min(leaderCommit, last new entry)).
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** First index whose term differs from ours (or that we lack); 0 if all already present. */
  private findConflict(entries: Entry[]): number {
    for (const e of entries) {
      if (e.index <= this.offset) continue; // covered by our snapshot, hence committed and equal
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /** Largest index <= index whose term is <= term: where a leader should probe next
   *  (fast conflict back-off, Raft paper §5.3 last paragraph). */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.offset; i--) {
      const t = this.term(i);
      if (t !== undefined && t <= term) break;
    }
    return i;
  }

  append(entries: Entry[]): void {
    if (entries.length > 0) this.truncateAndAppend(entries);
  }

  private truncateAndAppend(entries: Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index <= this.committed) throw new Error(`raft: truncating committed index ${first.index} (commit ${this.committed})`);
    const keep = first.index - this.offset - 1;
    if (keep < this.entries.length) this.entries.length = keep;
    // Overwritten entries must be persisted again (the WAL replays later records over earlier ones).
    this.stabled = Math.min(this.stabled, first.index - 1);
    for (const e of entries) this.entries.push(e);
  }

  commitTo(index: number): void {
    if (index > this.committed) {
      if (index > this.lastIndex()) throw new Error(`raft: commit ${index} beyond last index ${this.lastIndex()}`);
      this.committed = index;
    }
  }

  /** Leader commit rule (§5.4.2): only an entry of the current term commits by counting replicas. */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.committed = index;
      return true;
    }
    return false;
  }

  unstableEntries(): Entry[] {
    return this.entries.slice(Math.max(0, this.stabled - this.offset));
  }

  /** Committed, persisted and not yet applied: what the shell may apply now. */
  nextCommittedEntries(maxEntries = Number.MAX_SAFE_INTEGER): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = Math.min(this.committed, this.stabled) + 1;
    if (this.pendingSnapshot !== undefined || lo >= hi) return [];
    return this.slice(lo, hi, maxEntries);
  }

  stableTo(index: number, term: number): void {
    // A later append may have replaced the entry meanwhile; then it is not the one persisted.
    if (this.term(index) === term && index > this.stabled) this.stabled = index;
  }

  appliedTo(index: number): void {
    if (index > this.committed) throw new Error(`raft: applied ${index} beyond commit ${this.committed}`);
    if (index > this.applied) this.applied = index;
  }

  /** Replace the whole log by a snapshot (a follower that fell behind compaction). */
  restore(snapshot: Snapshot): void {
    this.offset = snapshot.meta.index;
    this.offsetTerm = snapshot.meta.term;
    this.entries = [];
    this.committed = snapshot.meta.index;
    this.applied = snapshot.meta.index;
    this.stabled = snapshot.meta.index;
    this.pendingSnapshot = snapshot;
  }

  /** Drop entries up to `index` (already covered by a snapshot the shell has taken). */
  compact(index: number): void {
    if (index <= this.offset) return;
    if (index > this.applied) throw new Error(`raft: compacting ${index} beyond applied ${this.applied}`);
    const term = this.term(index);
    if (term === undefined) throw new Error(`raft: compacting unknown index ${index}`);
    this.entries = this.entries.slice(index - this.offset);
    this.offset = index;
    this.offsetTerm = term;
  }
}
