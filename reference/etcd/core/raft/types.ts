/**
 * Value types of the Raft core. Terms and log indices are plain numbers (2^53 entries is
 * never reached); node ids are bigint because etcd member IDs are uint64. `0n` means "none".
 */

export const NONE = 0n;

export type EntryType = 'normal' | 'conf-change';

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** One-member-at-a-time membership change (Raft thesis §4.1), carried in a conf-change entry. */
export interface ConfChange {
  type: 'add' | 'remove';
  nodeId: bigint;
  /** The member's peer URL for 'add'; empty for 'remove'. */
  peerUrl: string;
}

export interface Member {
  id: bigint;
  peerUrl: string;
}

export interface HardState {
  term: number;
  vote: bigint;
  commit: number;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  /** Membership as of `index`: the voters with their peer URLs. */
  members: Member[];
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

export type MessageType =
  | 'hup' // local: start an election
  | 'beat' // local: leader sends heartbeats
  | 'check-quorum' // local: leader checks it heard from a quorum
  | 'prop' // proposal (local, or forwarded from a follower)
  | 'app'
  | 'app-resp'
  | 'vote'
  | 'vote-resp'
  | 'pre-vote'
  | 'pre-vote-resp'
  | 'heartbeat'
  | 'heartbeat-resp'
  | 'snap'
  | 'snap-status' // local: the shell reports whether a snapshot send worked
  | 'unreachable' // local: the shell could not reach a peer
  | 'read-index'
  | 'read-index-resp'
  | 'transfer-leader'
  | 'timeout-now';

export interface Message {
  type: MessageType;
  from: bigint;
  to: bigint;
  term: number;
  /** Term of the entry at `index` (app), of the candidate's last entry (vote), or a conflict hint. */
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  snapshot?: Snapshot;
  /** Read-index request id, or 'transfer' on a vote forced by leader transfer. */
  context: string;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

export interface SoftState {
  lead: bigint;
  role: Role;
}

/** A linearizable read is safe once the state machine applied `index`. */
export interface ReadState {
  index: number;
  context: string;
}

/**
 * What the shell must do next, in this order (etcd-io/raft's Ready contract):
 *  1. persist `snapshot` (if any), `entries` and `hardState` durably (fsync);
 *  2. only then send `messages` (a vote or an append ack must never outrun the disk);
 *  3. apply `committedEntries` in order (they are always already persisted);
 *  4. call `advance(ready)`.
 */
export interface Ready {
  softState: SoftState;
  hardState: HardState | undefined;
  snapshot: Snapshot | undefined;
  entries: Entry[];
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
}

export function message(partial: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    from: NONE,
    to: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: '',
    ...partial,
  };
}
