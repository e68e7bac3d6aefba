/**
 * RaftNode: drives the pure Raft core (reference/etcd/core/raft) with a real timer, a
 * write-ahead log with fsync before anything leaves the process, and a TCP peer transport.
 * This is the interface the etcd server builds on; it stays stable (extend additively).
 *
 * Data dir layout (like etcd's): <dataDir>/member/wal/*.wal and <dataDir>/member/snap/*.snap.
 * The state machine is in memory: on restart it is rebuilt by `restore(snapshot)` followed by
 * `apply` of every committed entry after it, in order.
 *
 * Contract notes for the server on top:
 * - `apply` sees exactly the bytes given to `propose` (an internal envelope that lets the
 *   proposer recognise its entry is stripped); a new leader's empty no-op entries and
 *   conf-change entries are not passed to `apply` (membership goes to onMembershipChange).
 * - Everything runs on one event loop: `apply`, `snapshot` and `restore` are synchronous and
 *   called between Raft steps; an exception there stops the member (pending and later calls
 *   reject with that error).
 * - Errors are `RaftError` with `code`: 'timeout' (no quorum-holding leader in time),
 *   'stopped', 'not-member', 'bad-data-dir' (the WAL belongs to another member id, or is
 *   damaged).
 * - A new member: call `addMember` on the cluster first, then start the new RaftNode with
 *   `peers` = the whole new membership and an empty data dir (etcd's
 *   --initial-cluster-state=existing); it catches up from the log or by snapshot.
 * - A removed member never campaigns again; `onRemoved` tells the server, which stops (as
 *   etcd does: "the member has been permanently removed from the cluster").
 * - Peer traffic is this module's own framing over TCP (not etcd's rafthttp): members of a
 *   reference cluster talk only to each other.
 */
import { decodeConfChange, encodeConfChange } from '../../core/raft/codec.ts';
import { RawNode } from '../../core/raft/raw-node.ts';
import { seededRandom } from '../../core/raft/seeded-random.ts';
import type { Entry, Message, Ready, Snapshot } from '../../core/raft/types.ts';
import { PeerTransport } from './peer-transport.ts';
import { ProposalEnvelope } from './proposal-envelope.ts';
import { PendingCalls } from './pending-calls.ts';
import { RaftError } from './raft-error.ts';
import { recoverState } from './recover-state.ts';
import { RaftStorage } from './raft-storage.ts';
import { Waiters } from './waiters.ts';

export { RaftError } from './raft-error.ts';

export interface RaftPeer { id: bigint; peerUrl: string }

export interface RaftNodeOptions {
  id: bigint;                      // etcd member IDs are uint64
  peers: RaftPeer[];               // initial cluster including self (ignored on restart from WAL)
  listenPeerUrl: string;           // e.g. http://127.0.0.1:0 ok in tests; report the real port
  dataDir: string;
  tickMs?: number;                 // default 100
  electionTicks?: number;          // default 10
  heartbeatTicks?: number;         // default 1
  seed?: number;                   // for the randomized timeouts
  /** Take a snapshot every this many applied entries (default 10000, like etcd). */
  snapshotCount?: number;
  /** Entries kept in the log after a snapshot for slow followers (default 5000, like etcd). */
  snapshotCatchUpEntries?: number;
  /** One line per notable event (default: stderr). */
  log?(line: string): void;
  /** Apply one committed normal entry; called in log order, exactly once per restart-replay. */
  apply(entry: { index: bigint; term: bigint; data: Uint8Array }): void;
  /** Serialize / restore the state machine, for snapshots. */
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
  /** Membership changed (after a conf change is applied). */
  onMembershipChange?(members: RaftPeer[]): void;
  /** A committed conf change removed this member (also when replayed from the WAL). */
  onRemoved?(): void;
}

export type RaftRole = 'leader' | 'follower' | 'candidate' | 'pre-candidate';

export interface RaftStatus {
  id: bigint;
  leaderId: bigint | undefined;
  term: bigint;
  role: RaftRole;
  commitIndex: bigint;
  appliedIndex: bigint;
  members: RaftPeer[];
}

const DEFAULT_TIMEOUT_MS = 5000;

export class RaftNode {
  readonly id: bigint;
  /** The peer URL actually listened on (the real port when asked for port 0). */
  readonly peerUrl: string;

  private readonly inbox: Array<() => void> = [];
  private cycleRunning = false;
  private cycleScheduled = false;
  private stopped = false;
  private failure: Error | undefined;
  private readonly timer: NodeJS.Timeout;
  private appliedIndex: number;
  private readonly envelope: ProposalEnvelope;
  /** Proposals waiting to be applied, by sequence number. */
  private readonly proposals = new Map<bigint, { resolve(index: bigint): void }>();
  /** Actions retried on each tick until they succeed (no leader known yet, ...). */
  private readonly retries = new Set<() => boolean>();
  /** Conditions checked after each applied Ready until they hold. */
  private readonly afterApply = new Set<() => boolean>();
  private readonly reads = new Map<string, (index: number) => void>();
  private readonly applied = new Waiters();
  private readSeq = 0;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly options: RaftNodeOptions,
    private readonly raw: RawNode,
    private readonly storage: RaftStorage,
    private readonly transport: PeerTransport,
    initialApplied: number,
  ) {
    this.id = options.id;
    this.peerUrl = transport.url;
    this.envelope = new ProposalEnvelope(options.id);
    this.appliedIndex = initialApplied;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.transport.setPeers(this.otherPeers());
    this.timer = setInterval(() => this.act(() => this.onTick()), options.tickMs ?? 100);
    this.schedule();
  }

  static async start(options: RaftNodeOptions): Promise<RaftNode> {
    const { wal, snaps, initial, snapshot } = await recoverState(options.dataDir, options.id, options.peers);
    const raw = new RawNode(
      {
        id: options.id,
        electionTicks: options.electionTicks ?? 10,
        heartbeatTicks: options.heartbeatTicks ?? 1,
        random: seededRandom(options.seed ?? Number(options.id % 0xffffffffn) ^ Date.now()),
      },
      initial,
    );
    let transport: PeerTransport | undefined;
    try {
      if (snapshot !== undefined) options.restore(snapshot.data);
      // The transport exists before the node; until then there is nobody to deliver to.
      const holder: { node?: RaftNode } = {};
      transport = await PeerTransport.listen({
        listenUrl: options.listenPeerUrl,
        onMessage: (m) => holder.node?.act(() => raw.step(m)),
        onUnreachable: (peer) => holder.node?.act(() => raw.reportUnreachable(peer)),
        onSnapshotStatus: (peer, ok) => holder.node?.act(() => raw.reportSnapshot(peer, ok)),
        onUndeliverable: (m) => holder.node?.retryForwarded(m),
        ...(options.log === undefined ? {} : { log: options.log }),
      });
      const storage = new RaftStorage(wal, snaps, initial.hardState, snapshot?.meta.index ?? 0);
      const node = new RaftNode(options, raw, storage, transport, snapshot?.meta.index ?? 0);
      holder.node = node;
      node.log(`raft: member ${options.id.toString(16)} started (term ${raw.raft.term}, ${raw.raft.members.size} members, last index ${raw.raft.log.lastIndex()}, peer url ${transport.url})`);
      return node;
    } catch (err) {
      await transport?.close();
      await wal.close();
      throw err;
    }
  }

  // ------------------------------------------------------------------ public API

  propose(data: Uint8Array, options?: { timeoutMs?: number }): Promise<{ index: bigint }> {
    const { seq, bytes } = this.envelope.wrap(data);
    return this.withDeadline('proposal', options?.timeoutMs, (resolve, cleanup) => {
      this.proposals.set(seq, { resolve: (index) => resolve({ index }) });
      cleanup(() => this.proposals.delete(seq));
      // Dropped proposals (no leader known) are retried; accepted ones are never re-sent,
      // so an entry is never duplicated in the log.
      const attempt = (): boolean => this.raw.propose(bytes);
      this.act(() => {
        if (!attempt()) {
          this.retries.add(attempt);
          cleanup(() => this.retries.delete(attempt));
        }
      });
    });
  }

  readBarrier(options?: { timeoutMs?: number }): Promise<void> {
    const context = `${this.id.toString(16)}:${++this.readSeq}`;
    return this.withDeadline('read barrier', options?.timeoutMs, (resolve, cleanup) => {
      this.reads.set(context, (index) => {
        this.reads.delete(context);
        this.applied.waitFor(index, () => resolve());
      });
      cleanup(() => this.reads.delete(context));
      // Re-asked on every tick until answered: the leader ignores a context it already holds,
      // and a lost request or a leader change would otherwise leave us waiting forever.
      let ticks = 0;
      const ask = (): boolean => {
        if (!this.reads.has(context)) return true;
        if (ticks++ % (this.options.electionTicks ?? 10) === 0) this.raw.readIndex(context);
        return false;
      };
      this.act(() => {
        if (!ask()) {
          this.retries.add(ask);
          cleanup(() => this.retries.delete(ask));
        }
      });
    });
  }

  status(): RaftStatus {
    const r = this.raw.raft;
    return {
      id: this.id,
      leaderId: r.lead === 0n ? undefined : r.lead,
      term: BigInt(r.term),
      role: r.role,
      commitIndex: BigInt(r.log.committed),
      appliedIndex: BigInt(this.appliedIndex),
      members: this.members(),
    };
  }

  /** Resolves once the member is in the configuration applied locally. */
  addMember(peer: RaftPeer, options?: { timeoutMs?: number }): Promise<void> {
    return this.changeMembership({ type: 'add', nodeId: peer.id, peerUrl: peer.peerUrl }, () => this.raw.raft.members.get(peer.id) === peer.peerUrl, options?.timeoutMs);
  }

  /** Resolves once the member is gone from the configuration applied locally. */
  removeMember(id: bigint, options?: { timeoutMs?: number }): Promise<void> {
    return this.changeMembership({ type: 'remove', nodeId: id, peerUrl: '' }, () => !this.raw.raft.members.has(id), options?.timeoutMs);
  }

  /** Resolves once this member sees `to` as leader (TimeoutNow after it caught up). */
  transferLeadership(to: bigint, options?: { timeoutMs?: number }): Promise<void> {
    if (!this.raw.raft.members.has(to)) return Promise.reject(new RaftError('not-member', `member ${to.toString(16)} is not in the cluster`));
    return this.retryUntil('leader transfer', options?.timeoutMs, () => this.raw.raft.lead === to, () => {
      if (this.raw.raft.lead !== 0n) this.raw.transferLeader(to);
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.failAll(new RaftError('stopped', `member ${this.id.toString(16)} is stopped`));
    while (this.cycleRunning) await new Promise((r) => setTimeout(r, 5));
    await this.transport.close();
    await this.storage.close();
    this.log(`raft: member ${this.id.toString(16)} stopped`);
  }

  // ------------------------------------------------------------------ plumbing

  private members(): RaftPeer[] {
    return [...this.raw.raft.members].map(([id, peerUrl]) => ({ id, peerUrl }));
  }

  private otherPeers(): Map<bigint, string> {
    const out = new Map(this.raw.raft.members);
    out.delete(this.id);
    return out;
  }

  private changeMembership(cc: { type: 'add' | 'remove'; nodeId: bigint; peerUrl: string }, done: () => boolean, timeoutMs: number | undefined): Promise<void> {
    // Conf changes are idempotent here (add = upsert, remove = delete), so re-proposing
    // one that the leader refused (another change in flight) is safe.
    const data = encodeConfChange(cc);
    return this.retryUntil(`membership change (${cc.type} ${cc.nodeId.toString(16)})`, timeoutMs, done, () => {
      this.raw.proposeEntries([{ term: 0, index: 0, type: 'conf-change', data }]);
    });
  }

  /** Run `attempt` now and every election timeout until `done()` holds after an apply. */
  private retryUntil(what: string, timeoutMs: number | undefined, done: () => boolean, attempt: () => void): Promise<void> {
    return this.withDeadline(what, timeoutMs, (resolve, cleanup) => {
      let ticks = 0;
      const isDone = (): boolean => {
        if (!done()) return false;
        resolve();
        return true;
      };
      const retry = (): boolean => {
        if (isDone()) return true;
        if (++ticks % (this.options.electionTicks ?? 10) === 0) attempt();
        return false;
      };
      this.act(() => {
        if (isDone()) return;
        attempt();
        this.retries.add(retry);
        this.afterApply.add(isDone);
        cleanup(() => {
          this.retries.delete(retry);
          this.afterApply.delete(isDone);
        });
      });
    });
  }

  private withDeadline<T>(what: string, timeoutMs: number | undefined, body: (resolve: (v: T) => void, onSettle: (fn: () => void) => void) => void): Promise<T> {
    if (this.stopped) return Promise.reject(new RaftError('stopped', `member ${this.id.toString(16)} is stopped`));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const ms = timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return this.pending.start<T>(ms, () => {
      const s = this.status();
      return new RaftError('timeout', `${what} timed out after ${ms} ms: member ${this.id.toString(16)} is not part of a quorum-holding cluster (role ${s.role}, term ${s.term}, leader ${s.leaderId?.toString(16) ?? 'unknown'})`);
    }, body);
  }

  private readonly pending = new PendingCalls();

  private failAll(err: Error): void {
    this.pending.failAll(err);
  }

  /** A proposal forwarded to a leader we had no connection to never left this process, so
   *  proposing it again cannot duplicate it; retry until some leader takes it. */
  private retryForwarded(m: Message): void {
    if (m.type !== 'prop' || m.entries.length === 0) return;
    const pending = (): boolean => m.entries.some((e) => e.type === 'normal' && e.data.length >= 17 && this.proposals.has(this.envelope.open(e.data).seq));
    const attempt = (): boolean => !pending() || this.raw.proposeEntries(m.entries.map((e) => ({ ...e, term: 0, index: 0 })));
    // On the next tick, not at once: the leader we know may still be the dead one.
    this.act(() => this.retries.add(attempt));
  }

  private onTick(): void {
    this.raw.tick();
    for (const retry of [...this.retries]) if (retry()) this.retries.delete(retry);
  }

  /** Run `fn` against the core between Ready cycles (never between ready() and advance()). */
  private act(fn: () => void): void {
    if (this.stopped) return;
    this.inbox.push(fn);
    this.schedule();
  }

  private schedule(): void {
    if (this.cycleRunning || this.cycleScheduled || this.stopped) return;
    this.cycleScheduled = true;
    setImmediate(() => {
      this.cycleScheduled = false;
      this.runCycles().catch((err: unknown) => this.fatal(err));
    });
  }

  private async runCycles(): Promise<void> {
    if (this.cycleRunning) return;
    this.cycleRunning = true;
    try {
      for (;;) {
        // Everything that arrived while we were persisting lands in one Ready: batching.
        const inbox = this.inbox.splice(0);
        for (const fn of inbox) fn();
        if (this.stopped || !this.raw.hasReady()) break;
        const rd = this.raw.ready();
        // A leader's appends and heartbeats may leave before its own fsync (Raft thesis
        // §10.2.1): its term and vote were made durable before it could win, and it counts
        // itself toward a commit only after the fsync (RawNode.advance). Everything else,
        // acknowledgements and votes above all, waits for the disk.
        const early = rd.messages.filter((m) => m.type === 'app' || m.type === 'heartbeat');
        const late = rd.messages.filter((m) => m.type !== 'app' && m.type !== 'heartbeat');
        this.transport.send(early);
        await this.storage.persist(rd, this.raw.hardState());
        if (this.stopped) break;
        this.transport.send(late);
        this.applyReady(rd);
        this.raw.advance(rd);
        await this.maybeSnapshot();
        for (const check of [...this.afterApply]) if (check()) this.afterApply.delete(check);
      }
    } finally {
      this.cycleRunning = false;
    }
    if (this.inbox.length > 0) this.schedule();
  }

  private applyReady(rd: Ready): void {
    if (rd.snapshot !== undefined) {
      this.options.restore(rd.snapshot.data);
      this.appliedIndex = rd.snapshot.meta.index;
      this.log(`raft: member ${this.id.toString(16)} restored a snapshot at index ${rd.snapshot.meta.index}`);
      this.membershipChanged();
    }
    for (const e of rd.committedEntries) this.applyEntry(e);
    for (const rs of rd.readStates) this.reads.get(rs.context)?.(rs.index);
    this.applied.advance(this.appliedIndex);
    this.logSoftState(rd);
  }

  private lastSoft = { lead: 0n, role: 'follower', term: 0 };

  private readonly leaderListeners = new Set<(leader: bigint | undefined) => void>();

  /** Called whenever the known leader changes (undefined: no leader known right now). */
  onLeaderChange(listener: (leader: bigint | undefined) => void): void {
    this.leaderListeners.add(listener);
  }

  private logSoftState(rd: Ready): void {
    const term = this.raw.raft.term;
    if (rd.softState.lead === this.lastSoft.lead && rd.softState.role === this.lastSoft.role) return;
    const leaderChanged = rd.softState.lead !== this.lastSoft.lead;
    this.lastSoft = { lead: rd.softState.lead, role: rd.softState.role, term };
    if (leaderChanged) {
      const leader = rd.softState.lead === 0n ? undefined : rd.softState.lead;
      for (const l of this.leaderListeners) l(leader);
    }
    const lead = rd.softState.lead === 0n ? 'none' : rd.softState.lead.toString(16);
    this.log(`raft: member ${this.id.toString(16)} is ${rd.softState.role} at term ${term}, leader ${lead}`);
  }

  private applyEntry(e: Entry): void {
    this.appliedIndex = e.index;
    if (e.type === 'conf-change') {
      const cc = decodeConfChange(e.data);
      this.raw.applyConfChange(cc);
      this.log(`raft: member ${this.id.toString(16)} applied conf change ${cc.type} ${cc.nodeId.toString(16)} at index ${e.index}`);
      this.membershipChanged();
      if (cc.type === 'remove' && cc.nodeId === this.id) this.options.onRemoved?.();
      return;
    }
    if (e.data.length === 0) return; // a new leader's no-op
    const opened = this.envelope.open(e.data);
    this.options.apply({ index: BigInt(e.index), term: BigInt(e.term), data: opened.payload });
    if (opened.node === this.id) {
      const p = this.proposals.get(opened.seq);
      if (p !== undefined) {
        this.proposals.delete(opened.seq);
        p.resolve(BigInt(e.index));
      }
    }
  }

  private membershipChanged(): void {
    this.transport.setPeers(this.otherPeers());
    this.options.onMembershipChange?.(this.members());
  }

  private async maybeSnapshot(): Promise<void> {
    const count = this.options.snapshotCount ?? 10000;
    if (this.appliedIndex - this.storage.lastSnapshotIndex < count) return;
    const index = this.appliedIndex;
    const term = this.raw.raft.log.term(index);
    if (term === undefined) return;
    const snap: Snapshot = { meta: { index, term, members: this.members() }, data: this.options.snapshot() };
    const after = this.raw.raft.log.slice(index + 1, this.raw.raft.log.stabled + 1);
    await this.storage.saveSnapshot(snap, this.raw.hardState(), after);
    this.raw.compact(snap, Math.max(0, index - (this.options.snapshotCatchUpEntries ?? 5000)));
    this.log(`raft: member ${this.id.toString(16)} saved a snapshot at index ${index} and compacted its log`);
  }

  private fatal(err: unknown): void {
    // A failed fsync or write leaves us unable to know what is durable: stop participating.
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.log(`raft: member ${this.id.toString(16)} failed: ${this.failure.message}`);
    this.failAll(this.failure);
    void this.stop().catch(() => undefined);
  }
}
