import { decodeConfChange, decodeMessage, encodeMessage } from '../codec.ts';
import { RawNode, mustSync } from '../raw-node.ts';
import type { Entry, HardState, Message, ReadState, Snapshot } from '../types.ts';
import { seededRandom } from '../seeded-random.ts';

/**
 * A deterministic simulated cluster for the Raft core: virtual time, a network that drops,
 * delays (hence reorders) and duplicates messages, partitions, crashes that lose everything
 * not persisted, and restarts from the simulated disk. It checks the Raft safety properties
 * as it runs and collects violations instead of throwing, so a property test can report the
 * seed and the schedule.
 */
export interface SimOptions {
  ids: bigint[];
  seed: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  dropRate?: number;
  dupRate?: number;
  /** Max extra delivery delay in time units (a tick is every 4 units). */
  maxDelay?: number;
  /** Take a snapshot and compact every this many applied entries (0 = never). */
  snapshotEvery?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Send a leader's appends and heartbeats before persisting, as the RaftNode shell does. */
  earlySend?: boolean;
  /** Chance that a member crashes in the middle of handling a Ready, before its fsync. */
  midReadyCrashRate?: number;
}

interface Disk {
  hardState?: HardState;
  /** The hard state as of the last fsync: a crash loses later unsynced commit updates. */
  syncedHardState?: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
}

export class SimNode {
  raw: RawNode | undefined;
  disk: Disk = { entries: [] };
  /** The state machine: the data of every applied normal entry, in order. */
  state: string[] = [];
  appliedIndex = 0;
  readStates: ReadState[] = [];
  constructor(readonly id: bigint) {}
}

const TICK_EVERY = 4;
const enc = new TextEncoder();
const dec = new TextDecoder();

export class SimCluster {
  readonly nodes = new Map<bigint, SimNode>();
  readonly violations: string[] = [];
  /** Every entry any member applied: index -> "term|data". */
  readonly applied = new Map<number, string>();
  private readonly leaders = new Map<number, bigint>();
  private inflight: Array<{ at: number; bytes: Uint8Array }> = [];
  /** Snapshot send outcomes, reported to the sender at the next time step (as a transport would). */
  private snapReports: Array<{ from: bigint; to: bigint; ok: boolean }> = [];
  private blocked = new Set<string>();
  private time = 0;
  private readonly rng: () => number;

  constructor(readonly opts: SimOptions) {
    this.rng = seededRandom(opts.seed);
    for (const id of opts.ids) {
      const n = new SimNode(id);
      this.nodes.set(id, n);
      this.boot(n);
    }
  }

  private boot(n: SimNode): void {
    const o = this.opts;
    n.raw = new RawNode(
      {
        id: n.id,
        electionTicks: o.electionTicks ?? 10,
        heartbeatTicks: o.heartbeatTicks ?? 1,
        random: seededRandom(Math.floor(this.rng() * 2 ** 32)),
        ...(o.preVote === undefined ? {} : { preVote: o.preVote }),
        ...(o.checkQuorum === undefined ? {} : { checkQuorum: o.checkQuorum }),
      },
      {
        ...(n.disk.hardState === undefined ? {} : { hardState: n.disk.hardState }),
        ...(n.disk.snapshot === undefined ? {} : { snapshot: n.disk.snapshot }),
        entries: n.disk.entries.map((e) => ({ ...e })),
        ...(n.disk.snapshot === undefined ? { members: o.ids.map((id) => ({ id, peerUrl: `sim://${id}` })) } : {}),
      },
    );
    const snap = n.disk.snapshot;
    n.state = snap === undefined ? [] : (JSON.parse(dec.decode(snap.data)) as string[]);
    n.appliedIndex = snap?.meta.index ?? 0;
  }

  node(id: bigint): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  raw(id: bigint): RawNode {
    const r = this.node(id).raw;
    if (r === undefined) throw new Error(`node ${id} is down`);
    return r;
  }

  isUp(id: bigint): boolean {
    return this.node(id).raw !== undefined;
  }

  random(): number {
    return this.rng();
  }

  // ------------------------------------------------------------ faults

  crash(id: bigint): void {
    const n = this.node(id);
    n.raw = undefined; // memory is gone; the disk stays, minus what was never fsynced
    if (n.disk.syncedHardState !== undefined) n.disk.hardState = n.disk.syncedHardState;
  }

  restart(id: bigint): void {
    const n = this.node(id);
    if (n.raw === undefined) this.boot(n);
  }

  /** Cut every link between the groups (a node in no group keeps all its links to nobody). */
  partition(groups: bigint[][]): void {
    this.blocked.clear();
    const groupOf = new Map<bigint, number>();
    groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
    for (const a of this.opts.ids) {
      for (const b of this.opts.ids) {
        if (a !== b && groupOf.get(a) !== groupOf.get(b)) this.blocked.add(`${a}-${b}`);
      }
    }
  }

  heal(): void {
    this.blocked.clear();
  }

  // ------------------------------------------------------------ client actions

  propose(id: bigint, data: string): boolean {
    const r = this.node(id).raw;
    if (r === undefined) return false;
    const ok = r.propose(enc.encode(data));
    this.process(id);
    return ok;
  }

  leader(): bigint | undefined {
    let best: { id: bigint; term: number } | undefined;
    for (const n of this.nodes.values()) {
      const r = n.raw?.raft;
      if (r?.role === 'leader' && (best === undefined || r.term > best.term)) best = { id: n.id, term: r.term };
    }
    return best?.id;
  }

  // ------------------------------------------------------------ time

  /** Advance virtual time by `units`; ticks every TICK_EVERY units. */
  run(units: number): void {
    for (let i = 0; i < units; i++) this.stepOnce();
  }

  /** Run until `cond` holds or `maxUnits` pass. */
  runUntil(cond: () => boolean, maxUnits = 20000): boolean {
    for (let i = 0; i < maxUnits; i++) {
      if (cond()) return true;
      this.stepOnce();
    }
    return cond();
  }

  private stepOnce(): void {
    this.time++;
    const reports = this.snapReports;
    this.snapReports = [];
    for (const r of reports) {
      const n = this.nodes.get(r.from);
      if (n?.raw === undefined) continue;
      n.raw.reportSnapshot(r.to, r.ok);
      this.process(r.from);
    }
    const due = this.inflight.filter((f) => f.at <= this.time);
    this.inflight = this.inflight.filter((f) => f.at > this.time);
    for (const f of due) {
      const m = decodeMessage(f.bytes);
      const n = this.nodes.get(m.to);
      if (n?.raw === undefined) continue;
      n.raw.step(m);
      this.process(m.to);
    }
    if (this.time % TICK_EVERY === 0) {
      for (const n of this.nodes.values()) {
        if (n.raw === undefined) continue;
        n.raw.tick();
        this.process(n.id);
      }
    }
    this.checkLeaders();
  }

  private send(m: Message): void {
    const lost = this.blocked.has(`${m.from}-${m.to}`) || this.rng() < (this.opts.dropRate ?? 0);
    if (m.type === 'snap') this.snapReports.push({ from: m.from, to: m.to, ok: !lost });
    if (lost) return;
    const bytes = encodeMessage(m);
    const copies = this.rng() < (this.opts.dupRate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.inflight.push({ at: this.time + 1 + Math.floor(this.rng() * ((this.opts.maxDelay ?? 0) + 1)), bytes });
    }
  }

  /** Handle every Ready of one node: persist, send, apply, advance (the shell's job). */
  process(id: bigint): void {
    const n = this.node(id);
    const raw = n.raw;
    if (raw === undefined) return;
    while (raw.hasReady()) {
      const rd = raw.ready();
      const early = (m: Message): boolean => (this.opts.earlySend ?? false) && (m.type === 'app' || m.type === 'heartbeat');
      for (const m of rd.messages) if (early(m)) this.send(m);
      if (this.rng() < (this.opts.midReadyCrashRate ?? 0)) {
        this.crash(id); // crashed after sending, before anything reached the disk
        return;
      }
      if (rd.snapshot !== undefined) {
        n.disk.snapshot = rd.snapshot;
        n.disk.entries = [];
      }
      const first = rd.entries[0];
      if (first !== undefined) n.disk.entries = n.disk.entries.filter((e) => e.index < first.index).concat(rd.entries.map((e) => ({ ...e })));
      if (rd.hardState !== undefined) n.disk.hardState = { ...rd.hardState };
      if (mustSync(rd, n.disk.syncedHardState) && n.disk.hardState !== undefined) n.disk.syncedHardState = n.disk.hardState;
      for (const m of rd.messages) if (!early(m)) this.send(m);
      if (rd.snapshot !== undefined) {
        n.state = JSON.parse(dec.decode(rd.snapshot.data)) as string[];
        n.appliedIndex = rd.snapshot.meta.index;
      }
      for (const e of rd.committedEntries) this.apply(n, raw, e);
      n.readStates.push(...rd.readStates);
      raw.advance(rd);
      this.maybeSnapshot(n, raw);
    }
  }

  private apply(n: SimNode, raw: RawNode, e: Entry): void {
    if (e.index !== n.appliedIndex + 1) this.violations.push(`node ${n.id} applied ${e.index} after ${n.appliedIndex}`);
    n.appliedIndex = e.index;
    const key = `${e.term}|${e.type}|${dec.decode(e.data)}`;
    const seen = this.applied.get(e.index);
    if (seen === undefined) this.applied.set(e.index, key);
    else if (seen !== key) this.violations.push(`state machine safety: index ${e.index} applied as ${seen} and ${key} (node ${n.id})`);
    if (e.type === 'conf-change') raw.applyConfChange(decodeConfChange(e.data));
    else if (e.data.length > 0) n.state.push(dec.decode(e.data));
  }

  private maybeSnapshot(n: SimNode, raw: RawNode): void {
    const every = this.opts.snapshotEvery ?? 0;
    const last = raw.raft.snapshot?.meta.index ?? 0;
    if (every === 0 || n.appliedIndex - last < every) return;
    const term = raw.raft.log.term(n.appliedIndex);
    if (term === undefined) return;
    const members = [...raw.raft.members].map(([id, peerUrl]) => ({ id, peerUrl }));
    const snap: Snapshot = { meta: { index: n.appliedIndex, term, members }, data: enc.encode(JSON.stringify(n.state)) };
    n.disk.snapshot = snap;
    n.disk.entries = n.disk.entries.filter((e) => e.index > snap.meta.index);
    raw.compact(snap, n.appliedIndex - 2); // keep a couple of entries to exercise both paths
  }

  // ------------------------------------------------------------ safety checks

  private checkLeaders(): void {
    for (const n of this.nodes.values()) {
      const r = n.raw?.raft;
      if (r?.role !== 'leader') continue;
      const known = this.leaders.get(r.term);
      if (known === undefined) {
        this.leaders.set(r.term, n.id);
        // Leader completeness (§5.4): a new leader holds every entry applied anywhere.
        for (const [index, key] of this.applied) {
          if (index <= r.log.offset) continue;
          const term = r.log.term(index);
          if (term === undefined || !key.startsWith(`${term}|`)) {
            this.violations.push(`leader completeness: leader ${n.id} of term ${r.term} lacks applied index ${index} (${key})`);
          }
        }
      } else if (known !== n.id) {
        this.violations.push(`election safety: term ${r.term} has leaders ${known} and ${n.id}`);
      }
    }
  }

  /** Log matching (§5.3): same index and term imply identical logs up to there. */
  checkLogMatching(): void {
    const up = [...this.nodes.values()].filter((n) => n.raw !== undefined);
    for (let i = 0; i < up.length; i++) {
      for (let j = i + 1; j < up.length; j++) {
        const a = up[i]?.raw?.raft.log;
        const b = up[j]?.raw?.raft.log;
        if (a === undefined || b === undefined) continue;
        const lo = Math.max(a.firstIndex(), b.firstIndex());
        let hi = Math.min(a.lastIndex(), b.lastIndex());
        while (hi >= lo && a.term(hi) !== b.term(hi)) hi--;
        for (let k = lo; k <= hi; k++) {
          const ea = a.slice(k, k + 1)[0];
          const eb = b.slice(k, k + 1)[0];
          if (ea?.term !== eb?.term || dec.decode(ea?.data) !== dec.decode(eb?.data)) {
            this.violations.push(`log matching: nodes ${up[i]?.id} and ${up[j]?.id} agree at ${hi} but differ at ${k}`);
            return;
          }
        }
      }
    }
  }
}
