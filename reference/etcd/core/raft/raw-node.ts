import { Raft } from './raft.ts';
import type { RaftConfig } from './raft.ts';
import { NONE, message } from './types.ts';
import type { ConfChange, Entry, HardState, Member, Message, Ready, Snapshot, SoftState } from './types.ts';

/** What a member recovered from its disk (or its bootstrap configuration). */
export interface InitialState {
  hardState?: HardState;
  snapshot?: Snapshot;
  /** Persisted entries after the snapshot, in order. */
  entries?: Entry[];
  /** Current membership; defaults to the snapshot's. The shell re-applies the log's conf
   *  changes as it applies entries again, so this only needs to be right for elections. */
  members?: Member[];
}

const LOCAL_ONLY = new Set(['hup', 'beat', 'check-quorum', 'snap-status', 'unreachable']);

/**
 * The shell's handle on the core (etcd-io/raft rawnode.go in spirit): feed it ticks,
 * proposals and peer messages; take a `Ready`; persist, send, apply; then `advance`.
 * The shell must not call anything else between `ready()` and `advance()`.
 */
export class RawNode {
  readonly raft: Raft;
  private prevHard: HardState;
  private prevSoft: SoftState = { lead: NONE, role: 'follower' };

  constructor(config: RaftConfig, initial: InitialState = {}) {
    const r = new Raft(config);
    this.raft = r;
    const snap = initial.snapshot;
    if (snap !== undefined) {
      r.log.offset = snap.meta.index;
      r.log.offsetTerm = snap.meta.term;
      r.log.committed = snap.meta.index;
      r.log.applied = snap.meta.index;
      r.snapshot = snap;
    }
    r.members = new Map((initial.members ?? snap?.meta.members ?? []).map((m) => [m.id, m.peerUrl]));
    const entries = (initial.entries ?? []).filter((e) => e.index > r.log.offset);
    r.log.entries = entries;
    r.log.stabled = r.log.lastIndex();
    const hs = initial.hardState;
    if (hs !== undefined) {
      r.term = hs.term;
      r.vote = hs.vote;
      r.log.committed = Math.min(Math.max(hs.commit, r.log.committed), r.log.lastIndex());
    }
    this.prevHard = this.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  campaign(): void {
    this.raft.step(message({ type: 'hup', from: this.raft.id }));
  }

  /** Returns false if the proposal was dropped (no known leader, transfer in progress). */
  propose(data: Uint8Array): boolean {
    return this.proposeEntries([{ term: 0, index: 0, type: 'normal', data }]);
  }

  proposeEntries(entries: Entry[]): boolean {
    return this.raft.step(message({ type: 'prop', from: this.raft.id, entries }));
  }

  proposeConfChange(cc: ConfChange, encode: (cc: ConfChange) => Uint8Array): boolean {
    return this.raft.step(message({ type: 'prop', from: this.raft.id, entries: [{ term: 0, index: 0, type: 'conf-change', data: encode(cc) }] }));
  }

  /** Ask for a linearizable read point; answered by a ReadState carrying `context`. */
  readIndex(context: string): boolean {
    return this.raft.step(message({ type: 'read-index', from: this.raft.id, context }));
  }

  transferLeader(to: bigint): boolean {
    return this.raft.step(message({ type: 'transfer-leader', from: to, to: this.raft.id }));
  }

  /** A message from a peer. Local-only message types from the network are ignored. */
  step(m: Message): void {
    if (LOCAL_ONLY.has(m.type)) return;
    if (m.from !== NONE && !this.raft.members.has(m.from) && m.type.endsWith('-resp') && m.type !== 'read-index-resp') return;
    this.raft.step(m);
  }

  applyConfChange(cc: ConfChange): void {
    this.raft.applyConfChange(cc);
  }

  reportUnreachable(id: bigint): void {
    this.raft.step(message({ type: 'unreachable', from: id }));
  }

  reportSnapshot(id: bigint, ok: boolean): void {
    this.raft.step(message({ type: 'snap-status', from: id, reject: !ok }));
  }

  /** The shell took a snapshot at `snapshot.meta.index` (<= applied); drop the log before
   *  `compactTo` and keep the snapshot to send to members that fall behind. */
  compact(snapshot: Snapshot, compactTo: number): void {
    this.raft.snapshot = snapshot;
    this.raft.log.compact(Math.min(compactTo, snapshot.meta.index));
  }

  softState(): SoftState {
    return { lead: this.raft.lead, role: this.raft.role };
  }

  hardState(): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
  }

  hasReady(): boolean {
    const r = this.raft;
    const hs = this.hardState();
    const soft = this.softState();
    return (
      soft.lead !== this.prevSoft.lead ||
      soft.role !== this.prevSoft.role ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.pendingSnapshot !== undefined ||
      r.log.lastIndex() > r.log.stabled ||
      r.log.committed > r.log.applied ||
      !sameHardState(hs, this.prevHard)
    );
  }

  ready(): Ready {
    const r = this.raft;
    const hs = this.hardState();
    const rd: Ready = {
      softState: this.softState(),
      hardState: sameHardState(hs, this.prevHard) ? undefined : hs,
      snapshot: r.log.pendingSnapshot,
      entries: r.log.unstableEntries(),
      messages: r.msgs,
      // Safe to include entries persisted by this very Ready: the shell applies after persisting.
      committedEntries: r.log.nextCommittedEntries(),
      readStates: r.readStates,
    };
    r.msgs = [];
    r.readStates = [];
    return rd;
  }

  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    this.prevSoft = rd.softState;
    if (rd.snapshot !== undefined && r.log.pendingSnapshot === rd.snapshot) r.log.pendingSnapshot = undefined;
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) r.log.stableTo(last.index, last.term);
    const applied = rd.committedEntries[rd.committedEntries.length - 1];
    if (applied !== undefined) r.log.appliedTo(applied.index);
    r.onStable();
  }
}

/** Whether persisting this Ready needs an fsync: a lost commit index is recomputed after a
 *  crash, but a lost term, vote or entry could break safety. */
export function mustSync(rd: Ready, prev: HardState | undefined): boolean {
  if (rd.entries.length > 0 || rd.snapshot !== undefined) return true;
  if (rd.hardState === undefined) return false;
  return prev === undefined || rd.hardState.term !== prev.term || rd.hardState.vote !== prev.vote;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
