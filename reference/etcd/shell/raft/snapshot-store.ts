import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Reader, Writer, readSnapshot, writeSnapshot } from '../../core/raft/codec.ts';
import type { Snapshot } from '../../core/raft/types.ts';
import { fsyncDir } from './fsync-dir.ts';

/**
 * Snapshot files `<term>-<index>.snap` holding `[u32 crc32][snapshot]`, written to a temp file,
 * fsynced and renamed into place so a crash never leaves a half snapshot under a real name.
 * The newest valid file wins on load; a damaged one is skipped (the WAL still has its marker,
 * and older snapshots plus the log cover the rest only if they were not deleted: keep 2).
 */
export class SnapshotStore {
  constructor(private readonly dir: string) {}

  async save(snapshot: Snapshot): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const w = new Writer();
    writeSnapshot(w, snapshot);
    const body = w.finish();
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(crc32(body), 0);
    const name = `${hex(snapshot.meta.term)}-${hex(snapshot.meta.index)}.snap`;
    const tmp = join(this.dir, `${name}.tmp`);
    const fh = await open(tmp, 'w');
    try {
      await fh.write(Buffer.concat([head, body]));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, name));
    await fsyncDir(this.dir);
    const all = (await readdir(this.dir)).filter((f) => f.endsWith('.snap')).sort(byIndex);
    for (const f of all.slice(0, -2)) await rm(join(this.dir, f), { force: true });
  }

  async loadNewest(): Promise<Snapshot | undefined> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((f) => f.endsWith('.snap')).sort(byIndex).reverse();
    } catch {
      return undefined;
    }
    for (const name of names) {
      const buf = await readFile(join(this.dir, name));
      if (buf.length < 4 || crc32(buf.subarray(4)) !== buf.readUInt32LE(0)) continue;
      return readSnapshot(new Reader(new Uint8Array(buf.buffer, buf.byteOffset + 4, buf.length - 4)));
    }
    return undefined;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(16, '0');
}

function byIndex(a: string, b: string): number {
  return a.slice(17).localeCompare(b.slice(17));
}
