import { mkdir, open, readdir, readFile, rename, rm, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Reader, Writer, readEntry, readMembers, writeEntry, writeMembers } from '../../core/raft/codec.ts';
import type { Entry, HardState, Member } from '../../core/raft/types.ts';
import { fsyncDir } from './fsync-dir.ts';

/**
 * Write-ahead log: a directory of segment files `<seq>-<firstIndex>.wal`, each a sequence of
 * records `[u32 length][u32 crc32][u8 type][payload]`. Later entry records overwrite earlier
 * ones from their index on (a follower truncating a conflicting suffix just appends).
 * A new segment is cut after each snapshot, starting with the snapshot marker, the hard state
 * and the entries the snapshot does not cover; older segments are then deleted.
 * A torn record at the very end (crash mid-write) is cut off on open; a bad record anywhere
 * else is corruption and refuses to start.
 */

const REC_ENTRY = 1;
const REC_HARD_STATE = 2;
const REC_SNAPSHOT = 3;
const REC_METADATA = 4;

export interface WalMetadata {
  nodeId: bigint;
  /** The bootstrap membership (before any conf-change entry). */
  members: Member[];
}

export interface WalContents {
  metadata: WalMetadata;
  hardState: HardState | undefined;
  /** Index and term of the latest snapshot marker. */
  snapshot: { index: number; term: number } | undefined;
  /** Entries after the snapshot marker, in order. */
  entries: Entry[];
}

function record(type: number, payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(1 + payload.length);
  body[0] = type;
  body.set(payload, 1);
  const out = Buffer.allocUnsafe(8 + body.length);
  out.writeUInt32LE(body.length, 0);
  out.writeUInt32LE(crc32(body), 4);
  out.set(body, 8);
  return out;
}

function segmentName(seq: number, firstIndex: number): string {
  return `${seq.toString(16).padStart(16, '0')}-${firstIndex.toString(16).padStart(16, '0')}.wal`;
}

export class Wal {
  private constructor(
    private readonly dir: string,
    private file: FileHandle,
    private seq: number,
    private readonly metadata: WalMetadata,
  ) {}

  static async exists(dir: string): Promise<boolean> {
    try {
      return (await readdir(dir)).some((f) => f.endsWith('.wal'));
    } catch {
      return false;
    }
  }

  /** Create a fresh WAL (first boot). */
  static async create(dir: string, metadata: WalMetadata): Promise<Wal> {
    await mkdir(dir, { recursive: true });
    // Written under a temp name and renamed, so a crash here never leaves a WAL without
    // its metadata (which would refuse to open).
    const name = segmentName(0, 0);
    const tmp = await open(join(dir, `${name}.tmp`), 'w');
    try {
      await tmp.write(record(REC_METADATA, encodeMetadata(metadata)));
      await tmp.sync();
    } finally {
      await tmp.close();
    }
    await rename(join(dir, `${name}.tmp`), join(dir, name));
    await fsyncDir(dir);
    return new Wal(dir, await open(join(dir, name), 'a'), 0, metadata);
  }

  /** Open an existing WAL and read everything back. */
  static async open(dir: string): Promise<{ wal: Wal; contents: WalContents }> {
    const names = (await readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
    let metadata: WalMetadata | undefined;
    let hardState: HardState | undefined;
    let snapshot: { index: number; term: number } | undefined;
    let entries: Entry[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i] ?? '';
      const path = join(dir, name);
      const buf = await readFile(path);
      let pos = 0;
      while (pos < buf.length) {
        const good = pos + 8 <= buf.length && pos + 8 + buf.readUInt32LE(pos) <= buf.length
          && crc32(buf.subarray(pos + 8, pos + 8 + buf.readUInt32LE(pos))) === buf.readUInt32LE(pos + 4);
        if (!good) {
          if (i !== names.length - 1) throw new Error(`wal: corrupt record in ${path} at offset ${pos}`);
          // A torn tail from a crash mid-write: it was never acknowledged, drop it.
          await truncate(path, pos);
          break;
        }
        const len = buf.readUInt32LE(pos);
        const body = buf.subarray(pos + 8, pos + 8 + len);
        pos += 8 + len;
        const payload = body.subarray(1);
        switch (body[0]) {
          case REC_METADATA:
            metadata = decodeMetadata(payload);
            break;
          case REC_HARD_STATE: {
            const r = new Reader(payload);
            hardState = { term: r.num(), vote: r.u64(), commit: r.num() };
            break;
          }
          case REC_SNAPSHOT: {
            const r = new Reader(payload);
            snapshot = { index: r.num(), term: r.num() };
            entries = entries.filter((e) => e.index > (snapshot?.index ?? 0));
            break;
          }
          case REC_ENTRY: {
            const e = readEntry(new Reader(payload));
            if (snapshot !== undefined && e.index <= snapshot.index) break; // covered by the snapshot
            const first = entries[0];
            const lastIndex = entries.at(-1)?.index ?? 0;
            if (first !== undefined && e.index <= lastIndex) entries.length = Math.max(0, e.index - first.index);
            entries.push(e);
            break;
          }
          default:
            throw new Error(`wal: unknown record type ${body[0]} in ${path}`);
        }
      }
    }
    if (metadata === undefined) throw new Error(`wal: no metadata record in ${dir}`);
    const last = names[names.length - 1] ?? segmentName(0, 0);
    const seq = Number.parseInt(last.slice(0, 16), 16);
    const file = await open(join(dir, last), 'a');
    return { wal: new Wal(dir, file, seq, metadata), contents: { metadata, hardState, snapshot, entries } };
  }

  /** Append a hard state and entries as one write; fsync if `sync` (before anything is sent). */
  async save(hardState: HardState | undefined, entries: Entry[], sync: boolean): Promise<void> {
    if (hardState === undefined && entries.length === 0) return;
    const parts: Uint8Array[] = [];
    for (const e of entries) {
      const w = new Writer();
      writeEntry(w, e);
      parts.push(record(REC_ENTRY, w.finish()));
    }
    if (hardState !== undefined) parts.push(record(REC_HARD_STATE, encodeHardStateRecord(hardState)));
    const buf = Buffer.concat(parts);
    const { bytesWritten } = await this.file.write(buf);
    // A short write (disk full) would leave a torn record in the middle of the log later.
    if (bytesWritten !== buf.length) throw new Error(`wal: short write (${bytesWritten} of ${buf.length} bytes)`);
    if (sync) await this.file.datasync();
  }

  /** Start a new segment after a snapshot at (index, term) and delete the older ones. */
  async cut(snapshot: { index: number; term: number }, hardState: HardState, entries: Entry[]): Promise<void> {
    const seq = this.seq + 1;
    const name = segmentName(seq, snapshot.index + 1);
    const file = await open(join(this.dir, name), 'a');
    const parts: Uint8Array[] = [record(REC_METADATA, encodeMetadata(this.metadata))];
    parts.push(record(REC_SNAPSHOT, new Writer().num(snapshot.index).num(snapshot.term).finish()));
    parts.push(record(REC_HARD_STATE, encodeHardStateRecord(hardState)));
    for (const e of entries) {
      if (e.index <= snapshot.index) continue;
      const w = new Writer();
      writeEntry(w, e);
      parts.push(record(REC_ENTRY, w.finish()));
    }
    await file.write(Buffer.concat(parts));
    await file.sync();
    await fsyncDir(this.dir);
    const old = this.file;
    this.file = file;
    this.seq = seq;
    await old.close();
    for (const f of await readdir(this.dir)) {
      if (f.endsWith('.wal') && f < name) await rm(join(this.dir, f), { force: true });
    }
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

function encodeHardStateRecord(hs: HardState): Uint8Array {
  return new Writer().num(hs.term).u64(hs.vote).num(hs.commit).finish();
}

function encodeMetadata(m: WalMetadata): Uint8Array {
  const w = new Writer().u64(m.nodeId);
  writeMembers(w, m.members);
  return w.finish();
}

function decodeMetadata(buf: Uint8Array): WalMetadata {
  const r = new Reader(buf);
  return { nodeId: r.u64(), members: readMembers(r) };
}
