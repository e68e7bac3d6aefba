/**
 * What the etcd server needs from consensus: propose an entry, wait until local state is
 * linearizable, and know who leads. Implemented by the Raft node (shell/raft) and, for a
 * single member without peers, by LocalLog.
 */

export interface LogStatus {
  memberId: bigint;
  leaderId: bigint | undefined;
  term: bigint;
  commitIndex: bigint;
  appliedIndex: bigint;
}

export interface ReplicatedLog {
  /** Resolves once the entry is committed (it is applied through the apply callback). */
  propose(data: Uint8Array): Promise<void>;
  /** Resolves once everything committed before the call is applied locally. */
  readBarrier(): Promise<void>;
  status(): LogStatus;
  addMember(id: bigint, peerUrl: string): Promise<void>;
  removeMember(id: bigint): Promise<void>;
  stop(): Promise<void>;
}

export interface LogCallbacks {
  apply(data: Uint8Array): void;
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
  onLeaderChange?(leaderId: bigint | undefined): void;
  /** This member was removed from the cluster. */
  onRemoved?(): void;
}
