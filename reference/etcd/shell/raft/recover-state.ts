import { join } from 'node:path';
import { decodeConfChange } from '../../core/raft/codec.ts';
import type { InitialState } from '../../core/raft/raw-node.ts';
import type { Member, Snapshot } from '../../core/raft/types.ts';
import { RaftError } from './raft-error.ts';
import { SnapshotStore } from './snapshot-store.ts';
import { Wal } from './wal.ts';

export interface RecoveredState {
  wal: Wal;
  snaps: SnapshotStore;
  initial: InitialState;
  snapshot: Snapshot | undefined;
}

/**
 * Open (or create, on first boot) a member's WAL and snapshots under
 * <dataDir>/member/{wal,snap}, and turn them into the core's initial state.
 */
export async function recoverState(dataDir: string, id: bigint, bootstrapMembers: Member[]): Promise<RecoveredState> {
  const walDir = join(dataDir, 'member', 'wal');
  const snaps = new SnapshotStore(join(dataDir, 'member', 'snap'));
  if (!(await Wal.exists(walDir))) {
    const members = bootstrapMembers.map((p) => ({ id: p.id, peerUrl: p.peerUrl }));
    return { wal: await Wal.create(walDir, { nodeId: id, members }), snaps, initial: { members }, snapshot: undefined };
  }
  const { wal, contents: c } = await Wal.open(walDir);
  try {
    if (c.metadata.nodeId !== id) {
      throw new RaftError('bad-data-dir', `data dir ${dataDir} belongs to member ${c.metadata.nodeId.toString(16)}, not ${id.toString(16)}`);
    }
    const snapshot = await snaps.loadNewest();
    if ((c.snapshot?.index ?? 0) > (snapshot?.meta.index ?? 0)) {
      throw new RaftError('bad-data-dir', `snapshot at index ${c.snapshot?.index} is missing from ${dataDir}`);
    }
    // Membership for elections: the snapshot's (or the bootstrap's), plus the conf changes
    // committed after it. Applying the log again later re-applies them idempotently.
    const members = new Map((snapshot?.meta.members ?? c.metadata.members).map((m) => [m.id, m.peerUrl]));
    for (const e of c.entries) {
      if (e.index > (c.hardState?.commit ?? 0) || e.type !== 'conf-change') continue;
      const cc = decodeConfChange(e.data);
      if (cc.type === 'add') members.set(cc.nodeId, cc.peerUrl);
      else members.delete(cc.nodeId);
    }
    const initial: InitialState = {
      entries: c.entries,
      members: [...members].map(([mid, peerUrl]) => ({ id: mid, peerUrl })),
      ...(c.hardState === undefined ? {} : { hardState: c.hardState }),
      ...(snapshot === undefined ? {} : { snapshot }),
    };
    return { wal, snaps, initial, snapshot };
  } catch (err) {
    await wal.close();
    throw err;
  }
}
