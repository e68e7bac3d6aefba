import { Progress } from './progress.ts';
import { committedIndex, majority, voteResult } from './quorum.ts';
import { RaftLog } from './raft-log.ts';
import { ReadOnly } from './read-only.ts';
import { stepCandidate, stepFollower } from './step-follower.ts';
import { stepLeader } from './step-leader.ts';
import { NONE, message } from './types.ts';
import type { ConfChange, Entry, Message, ReadState, Role, Snapshot } from './types.ts';

export interface RaftConfig {
  id: bigint;
  /** Ticks without hearing from a leader before a follower campaigns (randomized in [n, 2n)). */
  electionTicks: number;
  heartbeatTicks: number;
  /** Seeded random source in [0, 1): the core has no randomness of its own. */
  random: () => number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Appends in flight per follower in replicate state (pipelining). */
  maxInflight?: number;
  maxEntriesPerMsg?: number;
}

/**
 * The Raft state machine (Ongaro & Ousterhout; etcd-io/raft raft.go in spirit). It is driven
 * only by `tick()` and `step(message)`; it never does I/O: outgoing messages collect in
 * `msgs`, the log's unstable part and the hard state are persisted by the shell (RawNode).
 */
export class Raft {
  readonly id: bigint;
  term = 0;
  vote: bigint = NONE;
  lead: bigint = NONE;
  role: Role = 'follower';
  readonly log = new RaftLog();
  /** Voters and their peer URLs. */
  members = new Map<bigint, string>();
  /** Leader only: replication progress of every member (itself included). */
  prs = new Map<bigint, Progress>();
  votes = new Map<bigint, boolean>();
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: bigint = NONE;
  /** Index of the latest conf change appended by this leader: only one may be in flight. */
  pendingConfIndex = 0;
  readonly readOnly = new ReadOnly();
  /** Read requests that arrived before this leader committed an entry of its term. */
  pendingReadIndex: Message[] = [];
  /** Latest snapshot this member has (taken locally or received), to send to laggards. */
  snapshot: Snapshot | undefined;

  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxInflight: number;
  readonly maxEntriesPerMsg: number;
  private readonly random: () => number;

  constructor(config: RaftConfig) {
    this.id = config.id;
    this.electionTimeout = config.electionTicks;
    this.heartbeatTimeout = config.heartbeatTicks;
    this.random = config.random;
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    this.maxInflight = config.maxInflight ?? 256;
    this.maxEntriesPerMsg = config.maxEntriesPerMsg ?? 1024;
    if (this.heartbeatTimeout <= 0 || this.electionTimeout <= this.heartbeatTimeout) {
      throw new Error('raft: need 0 < heartbeatTicks < electionTicks');
    }
    this.resetRandomizedElectionTimeout();
  }

  // ---------------------------------------------------------------- role changes

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = NONE;
    this.votes.clear();
    this.prs.clear();
    this.readOnly.reset();
    this.pendingReadIndex = [];
  }

  private resetRandomizedElectionTimeout(): void {
    // Randomized timeouts make split votes unlikely (§5.2).
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.random() * this.electionTimeout);
  }

  becomeFollower(term: number, lead: bigint): void {
    this.reset(term);
    this.role = 'follower';
    this.lead = lead;
  }

  private becomePreCandidate(): void {
    // Pre-vote (thesis §9.6) changes neither term nor vote: a partitioned member that keeps
    // timing out cannot inflate its term and disrupt the cluster when it comes back.
    this.votes.clear();
    this.lead = NONE;
    this.role = 'pre-candidate';
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  becomeLeader(): void {
    this.reset(this.term);
    this.role = 'leader';
    this.lead = this.id;
    for (const id of this.members.keys()) this.prs.set(id, new Progress(this.log.lastIndex() + 1, this.maxInflight));
    const self = this.prs.get(this.id);
    if (self !== undefined) {
      self.match = this.log.stabled;
      self.becomeReplicate();
      self.recentActive = true;
    }
    // A no-op entry of our term lets us commit earlier entries (§5.4.2, figure 8).
    this.appendEntries([{ term: 0, index: 0, type: 'normal', data: new Uint8Array() }]);
    // No membership change until that no-op is applied: everything before it may hold an
    // unapplied conf change, and a leader must commit in its own term before changing the
    // configuration (the single-server change bug, Ongaro, raft-dev 2015).
    this.pendingConfIndex = this.log.lastIndex();
  }

  promotable(): boolean {
    return this.members.has(this.id) && this.log.pendingSnapshot === undefined;
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(message({ type: 'hup', from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(message({ type: 'check-quorum', from: this.id }));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.role === 'leader') this.leadTransferee = NONE;
    }
    if (this.role !== 'leader') return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: 'beat', from: this.id }));
    }
  }

  // ---------------------------------------------------------------- stepping

  /** Returns false if a proposal or read could not be handled here (no leader, transfer...). */
  step(m: Message): boolean {
    if (m.term === 0) {
      // local message, or a proposal / read forwarded by a follower
    } else if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        const force = m.context === 'transfer';
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        // Leader stickiness (thesis §4.2.3): while we hear from a leader, ignore disruptors.
        if (!force && inLease) return true;
      }
      if (m.type === 'pre-vote' || (m.type === 'pre-vote-resp' && !m.reject)) {
        // a pre-vote does not bump terms; a granted pre-vote carries the future term
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'heartbeat' || m.type === 'app')) {
        // Tell a stale leader about the newer term, or it may never step down (and with
        // pre-vote we would never raise our term to reach it).
        this.send(message({ type: 'app-resp', to: m.from }));
      } else if (m.type === 'pre-vote') {
        this.send(message({ type: 'pre-vote-resp', to: m.from, term: this.term, reject: true }));
      }
      return true;
    }

    switch (m.type) {
      case 'hup':
        if (this.role !== 'leader') this.campaign(this.preVote ? 'pre' : 'normal');
        return true;
      case 'vote':
      case 'pre-vote': {
        const canVote =
          this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === 'pre-vote' && m.term > this.term);
        const respType = m.type === 'vote' ? 'vote-resp' : 'pre-vote-resp';
        if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
          this.send(message({ type: respType, to: m.from, term: m.term }));
          if (m.type === 'vote') {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send(message({ type: respType, to: m.from, term: this.term, reject: true }));
        }
        return true;
      }
      default:
        if (this.role === 'leader') return stepLeader(this, m);
        if (this.role === 'follower') return stepFollower(this, m);
        return stepCandidate(this, m);
    }
  }

  /** Elections: 'pre' runs a pre-vote first, 'transfer' is forced by a leader transfer. */
  campaign(kind: 'pre' | 'normal' | 'transfer'): void {
    if (!this.promotable() || this.hasUnappliedConfChanges()) return;
    let term: number;
    if (kind === 'pre') {
      this.becomePreCandidate();
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    this.votes.set(this.id, true);
    if (voteResult([...this.members.keys()], this.votes) === 'won') {
      // single-member cluster
      if (kind === 'pre') this.campaign('normal');
      else this.becomeLeader();
      return;
    }
    for (const id of this.members.keys()) {
      if (id === this.id) continue;
      this.send(message({
        type: kind === 'pre' ? 'pre-vote' : 'vote',
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: kind === 'transfer' ? 'transfer' : '',
      }));
    }
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    return this.log.slice(lo, this.log.committed + 1).some((e) => e.type === 'conf-change');
  }

  send(m: Message): void {
    m.from = this.id;
    // Proposals and reads forwarded to the leader travel as local messages (term 0).
    if (m.term === 0 && m.type !== 'prop' && m.type !== 'read-index') m.term = this.term;
    this.msgs.push(m);
  }

  // ---------------------------------------------------------------- leader helpers

  appendEntries(entries: Entry[]): void {
    let index = this.log.lastIndex();
    for (const e of entries) {
      e.term = this.term;
      e.index = ++index;
    }
    this.log.append(entries);
    // Our own match advances only once the shell persisted the entries (onStable).
  }

  /** The shell persisted the log up to log.stabled. */
  onStable(): void {
    if (this.role !== 'leader') return;
    this.prs.get(this.id)?.maybeUpdate(this.log.stabled);
    if (this.maybeCommit()) this.bcastAppend();
  }

  maybeCommit(): boolean {
    const matches: number[] = [];
    for (const id of this.members.keys()) matches.push(this.prs.get(id)?.match ?? 0);
    const changed = this.log.maybeCommit(committedIndex(matches), this.term);
    if (changed) this.releasePendingReads();
    return changed;
  }

  committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private releasePendingReads(): void {
    if (this.pendingReadIndex.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = this.pendingReadIndex;
    this.pendingReadIndex = [];
    for (const m of pending) this.step(m);
  }

  isQuorum(acks: ReadonlySet<bigint>): boolean {
    let n = 0;
    for (const id of this.members.keys()) if (acks.has(id)) n++;
    return n >= majority(this.members.size);
  }

  respondToRead(context: string, index: number, from: bigint): void {
    if (from === this.id || from === NONE) this.readStates.push({ index, context });
    else this.send(message({ type: 'read-index-resp', to: from, index, context }));
  }

  /** Send the follower what it lacks; a snapshot if that was compacted away. */
  sendAppend(to: bigint, sendIfEmpty = true): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.sendSnapshot(to, pr);
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.maxEntriesPerMsg);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send(message({ type: 'app', to, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed }));
    pr.sentEntries(prevIndex + entries.length, entries.length);
    return true;
  }

  private sendSnapshot(to: bigint, pr: Progress): boolean {
    if (!pr.recentActive || this.snapshot === undefined) return false;
    this.send(message({ type: 'snap', to, snapshot: this.snapshot }));
    pr.becomeSnapshot(this.snapshot.meta.index);
    return true;
  }

  bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  bcastHeartbeat(context: string): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      // Never tell a follower to commit past what we know it holds.
      const commit = Math.min(pr.match, this.log.committed);
      this.send(message({ type: 'heartbeat', to: id, commit, context }));
    }
  }

  // ---------------------------------------------------------------- membership

  /** Called by the shell when a conf-change entry is applied (one member at a time). */
  applyConfChange(cc: ConfChange): void {
    if (cc.type === 'add') {
      const known = this.members.has(cc.nodeId);
      this.members.set(cc.nodeId, cc.peerUrl);
      if (!known && this.role === 'leader') {
        const pr = new Progress(this.log.lastIndex() + 1, this.maxInflight);
        pr.recentActive = true; // give it a chance before check-quorum counts it
        this.prs.set(cc.nodeId, pr);
        this.sendAppend(cc.nodeId);
      }
      return;
    }
    if (!this.members.delete(cc.nodeId)) return;
    this.prs.delete(cc.nodeId);
    if (this.leadTransferee === cc.nodeId) this.leadTransferee = NONE;
    if (this.role !== 'leader') return;
    if (cc.nodeId === this.id) {
      // A leader that removed itself steps down; the others elect a successor.
      this.becomeFollower(this.term, NONE);
      return;
    }
    // A smaller quorum may already hold a later index.
    if (this.maybeCommit()) this.bcastAppend();
  }
}
