import { mustSync } from '../../core/raft/raw-node.ts';
import type { Entry, HardState, Ready, Snapshot } from '../../core/raft/types.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import type { Wal } from './wal.ts';

/**
 * A member's durable state: the WAL plus snapshot files. Everything a Ready asks to persist
 * is written (and fsynced when safety needs it) before `persist` resolves.
 */
export class RaftStorage {
  lastSnapshotIndex: number;

  constructor(
    private readonly wal: Wal,
    private readonly snaps: SnapshotStore,
    private persistedHard: HardState | undefined,
    snapshotIndex: number,
  ) {
    this.lastSnapshotIndex = snapshotIndex;
  }

  /** `currentHard` is used when a received snapshot starts a new WAL segment. */
  async persist(rd: Ready, currentHard: HardState): Promise<void> {
    if (rd.snapshot !== undefined) {
      // Snapshot file first: a WAL segment starting at a snapshot marker must never exist
      // without its snapshot.
      await this.snaps.save(rd.snapshot);
      await this.wal.cut(rd.snapshot.meta, rd.hardState ?? currentHard, []);
      this.lastSnapshotIndex = rd.snapshot.meta.index;
    }
    await this.wal.save(rd.hardState, rd.entries, mustSync(rd, this.persistedHard));
    if (rd.hardState !== undefined) this.persistedHard = rd.hardState;
  }

  /** Save a snapshot taken locally and start a new WAL segment holding what comes after it. */
  async saveSnapshot(snap: Snapshot, hardState: HardState, after: Entry[]): Promise<void> {
    await this.snaps.save(snap);
    await this.wal.cut(snap.meta, hardState, after);
    this.lastSnapshotIndex = snap.meta.index;
  }

  async close(): Promise<void> {
    await this.wal.close();
  }
}
