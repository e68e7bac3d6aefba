/**
 * The multi-version key-value store of one etcd member, as a pure state machine: every write
 * is applied in log order, so members that apply the same entries hold the same store.
 *
 * Revisions: each write transaction that changes something gets the next main revision; the
 * changes inside it are numbered by sub revision. A key's history is the list of its puts and
 * tombstones; reading at revision R means taking, for each key, the last entry with main <= R.
 * Compaction at R forgets every entry superseded at R (etcd keeps the state as of R).
 */
import { compareMatches, sortKeyValues } from './compare.ts';
import { keysInRange, lowerBound } from './key-range.ts';
import { LeaseTable, type LeaseSnapshot } from './lease-table.ts';
import { MvccError } from './mvcc-error.ts';
import type { KeyValue, MvccEvent, RangeRequest, RangeResult, TxnOp, TxnOpResult, TxnRequest, TxnResult } from './types.ts';

interface Entry {
  main: number;
  sub: number;
  /** undefined = tombstone. */
  kv: KeyValue | undefined;
}

export interface MvccSnapshot {
  revision: number;
  compactRevision: number;
  history: Array<[string, Entry[]]>;
  events: MvccEvent[];
  leases: LeaseSnapshot[];
}

export type MvccListener = (events: readonly MvccEvent[], revision: number) => void;

export class MvccStore {
  private rev = 0;
  private compactRev = 0;
  private readonly history = new Map<string, Entry[]>();
  /** Every key with history, sorted, for range scans. */
  private sortedKeys: string[] = [];
  /** Every event since the compaction point, in revision order, for watches from the past. */
  private events: MvccEvent[] = [];
  private readonly listeners = new Set<MvccListener>();
  readonly leases = new LeaseTable();

  get revision(): number {
    return this.rev;
  }

  get compactRevision(): number {
    return this.compactRev;
  }

  subscribe(listener: MvccListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private latest(key: string, atRevision: number): KeyValue | undefined {
    const entries = this.history.get(key);
    if (entries === undefined) return undefined;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i] as Entry;
      if (entry.main <= atRevision) return entry.kv;
    }
    return undefined;
  }

  range(request: RangeRequest): RangeResult {
    return this.rangeAt(request, this.rev);
  }

  /** `current` is the revision a read without one sees: inside a writing txn, the txn's own. */
  private rangeAt(request: RangeRequest, current: number): RangeResult {
    const at = request.revision !== undefined && request.revision > 0 ? request.revision : current;
    if (at > current) throw new MvccError('future-revision');
    if (at < this.compactRev) throw new MvccError('compacted');
    let kvs: KeyValue[] = [];
    for (const key of keysInRange(this.sortedKeys, request.key, request.rangeEnd)) {
      const kv = this.latest(key, at);
      if (kv !== undefined) kvs.push(kv);
    }
    const count = kvs.length;
    if (request.countOnly === true) return { kvs: [], more: false, count };
    kvs = sortKeyValues(kvs, request.sortOrder ?? 'NONE', request.sortTarget ?? 'KEY');
    const limit = request.limit ?? 0;
    const more = limit > 0 && count > limit;
    if (more) kvs = kvs.slice(0, limit);
    if (request.keysOnly === true) kvs = kvs.map((kv) => ({ ...kv, value: '' }));
    return { kvs, more, count };
  }

  put(key: string, value: string, lease = 0): { revision: number; prevKv: KeyValue | undefined } {
    const result = this.txn({ compare: [], success: [{ type: 'put', key, value, lease }], failure: [] });
    const op = result.responses[0];
    return { revision: result.revision, prevKv: op?.type === 'put' ? op.prevKv : undefined };
  }

  deleteRange(key: string, rangeEnd?: string): { revision: number; deleted: number; prevKvs: KeyValue[] } {
    const op: TxnOp = rangeEnd === undefined ? { type: 'delete', key } : { type: 'delete', key, rangeEnd };
    const result = this.txn({ compare: [], success: [op], failure: [] });
    const res = result.responses[0];
    return res?.type === 'delete' ? { revision: result.revision, deleted: res.deleted, prevKvs: res.prevKvs } : { revision: result.revision, deleted: 0, prevKvs: [] };
  }

  /** Compares, then the chosen ops in order, all at one main revision; later ops see earlier writes. */
  txn(request: TxnRequest): TxnResult {
    const succeeded = request.compare.every((c) => compareMatches(c, this.range({ key: c.key, ...(c.rangeEnd === undefined ? {} : { rangeEnd: c.rangeEnd }) }).kvs));
    const ops = succeeded ? request.success : request.failure;
    // Validate before writing anything: a txn applies completely or not at all.
    for (const op of ops) {
      if (op.type === 'put' && op.ignoreLease !== true && (op.lease ?? 0) !== 0 && this.leases.get(op.lease ?? 0) === undefined) {
        throw new MvccError('lease-not-found');
      }
      if (op.type === 'put' && (op.ignoreValue === true || op.ignoreLease === true) && this.latest(op.key, this.rev) === undefined) {
        throw new MvccError('key-not-found');
      }
      if (op.type === 'range') this.range(op.request);
    }
    const main = this.rev + 1;
    const changes: MvccEvent[] = [];
    const responses = ops.map((op) => this.applyOp(op, main, changes));
    if (changes.length > 0) this.commit(main, changes);
    return { revision: this.rev, succeeded, responses };
  }

  private applyOp(op: TxnOp, main: number, changes: MvccEvent[]): TxnOpResult {
    if (op.type === 'range') {
      // Reads inside a writing txn see its earlier writes, which are already in the history.
      return { type: 'range', result: this.rangeAt(op.request, main) };
    }
    if (op.type === 'put') {
      const prev = this.latest(op.key, main);
      const value = op.ignoreValue === true ? (prev?.value ?? '') : op.value;
      const lease = op.ignoreLease === true ? (prev?.lease ?? 0) : (op.lease ?? 0);
      const kv: KeyValue = {
        key: op.key, value, lease, modRevision: main,
        createRevision: prev === undefined ? main : prev.createRevision,
        version: prev === undefined ? 1 : prev.version + 1,
      };
      if (prev !== undefined && prev.lease !== 0 && prev.lease !== lease) this.leases.detach(prev.lease, op.key);
      if (lease !== 0) this.leases.attach(lease, op.key);
      this.record(op.key, { main, sub: changes.length, kv });
      changes.push(prev === undefined ? { type: 'PUT', kv } : { type: 'PUT', kv, prevKv: prev });
      return { type: 'put', prevKv: prev };
    }
    const prevKvs: KeyValue[] = [];
    for (const key of keysInRange(this.sortedKeys, op.key, op.rangeEnd)) {
      const prev = this.latest(key, main);
      if (prev === undefined) continue;
      if (prev.lease !== 0) this.leases.detach(prev.lease, key);
      this.record(key, { main, sub: changes.length, kv: undefined });
      changes.push({ type: 'DELETE', kv: { key, value: '', createRevision: 0, modRevision: main, version: 0, lease: 0 }, prevKv: prev });
      prevKvs.push(prev);
    }
    return { type: 'delete', deleted: prevKvs.length, prevKvs };
  }

  private record(key: string, entry: Entry): void {
    let entries = this.history.get(key);
    if (entries === undefined) {
      entries = [];
      this.history.set(key, entries);
      this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 0, key);
    }
    entries.push(entry);
  }

  private commit(main: number, changes: MvccEvent[]): void {
    this.rev = main;
    for (const event of changes) this.events.push(event);
    for (const listener of [...this.listeners]) listener(changes, main);
  }

  /** Events with revision >= start whose key is in the range; throws if start was compacted. */
  eventsSince(start: number, key: string, rangeEnd?: string): MvccEvent[] {
    if (start > 0 && start < this.compactRev) throw new MvccError('compacted');
    const from = Math.max(start, 1);
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid] as MvccEvent).kv.modRevision < from) lo = mid + 1;
      else hi = mid;
    }
    const end = rangeEnd ?? '';
    return this.events.slice(lo).filter((e) => keysInRange([e.kv.key], key, end).length === 1);
  }

  compact(revision: number): void {
    if (revision <= this.compactRev) throw new MvccError('compacted');
    if (revision > this.rev) throw new MvccError('future-revision');
    this.compactRev = revision;
    for (const [key, entries] of this.history) {
      // Keep the entry that is current at `revision` (unless it is a tombstone) and all later ones.
      let keepFrom = entries.length;
      for (let i = entries.length - 1; i >= 0; i--) {
        const entry = entries[i] as Entry;
        keepFrom = i;
        if (entry.main <= revision) {
          if (entry.kv === undefined) keepFrom = i + 1;
          break;
        }
      }
      const kept = entries.slice(keepFrom);
      if (kept.length === 0) this.history.delete(key);
      else this.history.set(key, kept);
    }
    this.sortedKeys = this.sortedKeys.filter((k) => this.history.has(k));
    this.events = this.events.filter((e) => e.kv.modRevision >= revision);
  }

  /** Revokes a lease and deletes its keys in one revision. */
  revokeLease(id: number): { revision: number; deleted: string[] } {
    const lease = this.leases.remove(id);
    const keys = [...lease.keys].sort();
    const main = this.rev + 1;
    const changes: MvccEvent[] = [];
    for (const key of keys) this.applyOp({ type: 'delete', key }, main, changes);
    if (changes.length > 0) this.commit(main, changes);
    return { revision: this.rev, deleted: keys };
  }

  snapshot(): MvccSnapshot {
    return {
      revision: this.rev, compactRevision: this.compactRev, history: [...this.history.entries()].map(([k, v]) => [k, [...v]]),
      events: [...this.events], leases: this.leases.snapshot(),
    };
  }

  restore(snapshot: MvccSnapshot, nowMs: number): void {
    this.rev = snapshot.revision;
    this.compactRev = snapshot.compactRevision;
    this.history.clear();
    for (const [key, entries] of snapshot.history) this.history.set(key, [...entries]);
    this.sortedKeys = [...this.history.keys()].sort();
    this.events = [...snapshot.events];
    this.leases.restore(snapshot.leases, nowMs);
  }
}
