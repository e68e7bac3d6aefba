/**
 * RaftNode: drives the pure Raft core (reference/etcd/core/raft) with a real timer, a
 * write-ahead log with fsync before anything leaves the process, and a TCP peer transport.
 * This is the interface the etcd server builds on; it stays stable (extend additively).
 */

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
  /** Apply one committed normal entry; called in log order, exactly once per restart-replay. */
  apply(entry: { index: bigint; term: bigint; data: Uint8Array }): void;
  /** Serialize / restore the state machine, for snapshots. */
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
  /** Membership changed (after a conf change is applied). */
  onMembershipChange?(members: RaftPeer[]): void;
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

export class RaftNode {
  static start(options: RaftNodeOptions): Promise<RaftNode> {
    void options;
    return Promise.reject(new Error('RaftNode: not implemented yet'));
  }
}
