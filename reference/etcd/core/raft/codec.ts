import type { ConfChange, Entry, EntryType, HardState, Member, Message, MessageType, Snapshot } from './types.ts';

/**
 * Compact binary encoding of the core's values, used by the WAL and the peer transport.
 * Little-endian; numbers as 64-bit (terms and indices fit in 2^53); bytes length-prefixed.
 */

const MESSAGE_TYPES: MessageType[] = [
  'hup', 'beat', 'check-quorum', 'prop', 'app', 'app-resp', 'vote', 'vote-resp', 'pre-vote',
  'pre-vote-resp', 'heartbeat', 'heartbeat-resp', 'snap', 'snap-status', 'unreachable',
  'read-index', 'read-index-resp', 'transfer-leader', 'timeout-now',
];
const ENTRY_TYPES: EntryType[] = ['normal', 'conf-change'];
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  u64(v: bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  num(v: number): this {
    return this.u64(BigInt(v));
  }

  bytes(v: Uint8Array): this {
    this.u32(v.length);
    this.reserve(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  str(v: string): this {
    return this.bytes(utf8.encode(v));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class Reader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('raft codec: truncated input');
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  num(): number {
    return Number(this.u64());
  }

  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const v = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  str(): string {
    return fromUtf8.decode(this.bytes());
  }

  done(): boolean {
    return this.pos >= this.buf.length;
  }
}

export function writeEntry(w: Writer, e: Entry): void {
  w.num(e.term).num(e.index).u8(ENTRY_TYPES.indexOf(e.type)).bytes(e.data);
}

export function readEntry(r: Reader): Entry {
  const term = r.num();
  const index = r.num();
  const type = ENTRY_TYPES[r.u8()];
  if (type === undefined) throw new Error('raft codec: bad entry type');
  return { term, index, type, data: r.bytes() };
}

export function writeMembers(w: Writer, members: Member[]): void {
  w.u32(members.length);
  for (const m of members) w.u64(m.id).str(m.peerUrl);
}

export function readMembers(r: Reader): Member[] {
  const n = r.u32();
  const out: Member[] = [];
  for (let i = 0; i < n; i++) out.push({ id: r.u64(), peerUrl: r.str() });
  return out;
}

export function writeSnapshot(w: Writer, s: Snapshot): void {
  w.num(s.meta.index).num(s.meta.term);
  writeMembers(w, s.meta.members);
  w.bytes(s.data);
}

export function readSnapshot(r: Reader): Snapshot {
  const index = r.num();
  const term = r.num();
  const members = readMembers(r);
  return { meta: { index, term, members }, data: r.bytes() };
}

export function encodeMessage(m: Message): Uint8Array {
  const w = new Writer();
  w.u8(MESSAGE_TYPES.indexOf(m.type)).u64(m.from).u64(m.to).num(m.term).num(m.logTerm).num(m.index)
    .num(m.commit).u8(m.reject ? 1 : 0).num(m.rejectHint).str(m.context);
  w.u32(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  w.u8(m.snapshot === undefined ? 0 : 1);
  if (m.snapshot !== undefined) writeSnapshot(w, m.snapshot);
  return w.finish();
}

export function decodeMessage(buf: Uint8Array): Message {
  const r = new Reader(buf);
  const type = MESSAGE_TYPES[r.u8()];
  if (type === undefined) throw new Error('raft codec: bad message type');
  const from = r.u64();
  const to = r.u64();
  const term = r.num();
  const logTerm = r.num();
  const index = r.num();
  const commit = r.num();
  const reject = r.u8() === 1;
  const rejectHint = r.num();
  const context = r.str();
  const n = r.u32();
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) entries.push(readEntry(r));
  const m: Message = { type, from, to, term, logTerm, index, commit, reject, rejectHint, context, entries };
  if (r.u8() === 1) m.snapshot = readSnapshot(r);
  return m;
}

export function encodeHardState(hs: HardState): Uint8Array {
  return new Writer().num(hs.term).u64(hs.vote).num(hs.commit).finish();
}

export function decodeHardState(buf: Uint8Array): HardState {
  const r = new Reader(buf);
  return { term: r.num(), vote: r.u64(), commit: r.num() };
}

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return new Writer().u8(cc.type === 'add' ? 1 : 2).u64(cc.nodeId).str(cc.peerUrl).finish();
}

export function decodeConfChange(buf: Uint8Array): ConfChange {
  const r = new Reader(buf);
  const t = r.u8();
  if (t !== 1 && t !== 2) throw new Error('raft codec: bad conf change');
  return { type: t === 1 ? 'add' : 'remove', nodeId: r.u64(), peerUrl: r.str() };
}
