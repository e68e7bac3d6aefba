/**
 * Etcd: the etcd v3 API (gRPC), as any etcd client sees it. One client implementation
 * serves the reference etcd and a real etcd alike.
 */

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: number;
}

export interface ResponseHeader {
  clusterId: string;
  memberId: string;
  revision: number;
  raftTerm: number;
}

export interface RangeOptions {
  /** Treat the key as a prefix. */
  prefix?: boolean;
  /** Exclusive end of a range; wins over prefix. */
  rangeEnd?: string;
  limit?: number;
  revision?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
  /** false asks for a serializable (possibly stale, member-local) read. */
  linearizable?: boolean;
}

export interface RangeResult {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export type Compare =
  | { key: string; target: 'value'; result: CompareResult; value: string }
  | { key: string; target: 'version' | 'createRevision' | 'modRevision' | 'lease'; result: CompareResult; value: number };
export type CompareResult = 'equal' | 'greater' | 'less' | 'notEqual';

export type TxnOp =
  | { put: { key: string; value: string; lease?: number } }
  | { get: { key: string } & RangeOptions }
  | { delete: { key: string; prefix?: boolean } };

export interface TxnResult {
  header: ResponseHeader;
  succeeded: boolean;
  responses: Array<{ kvs?: KeyValue[]; deleted?: number; prevKv?: KeyValue }>;
}

export interface EtcdWatchEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
  prevKv?: KeyValue;
}

export interface EtcdWatch {
  readonly events: readonly EtcdWatchEvent[];
  /** Set if the server cancelled the watch, e.g. because the start revision was compacted. */
  readonly cancelReason: string | undefined;
  readonly compactRevision: number | undefined;
  stop(): Promise<void>;
}

export interface Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MemberStatus {
  header: ResponseHeader;
  version: string;
  leader: string;
  raftIndex: number;
  raftTerm: number;
  dbSize: number;
}

export interface Etcd {
  readonly endpoints: readonly string[];
  put(key: string, value: string, options?: { lease?: number; prevKv?: boolean }): Promise<{ header: ResponseHeader; prevKv?: KeyValue }>;
  range(key: string, options?: RangeOptions): Promise<RangeResult>;
  delete(key: string, options?: { prefix?: boolean; prevKv?: boolean }): Promise<{ header: ResponseHeader; deleted: number }>;
  txn(compare: Compare[], success: TxnOp[], failure: TxnOp[]): Promise<TxnResult>;
  compact(revision: number): Promise<void>;
  /**
   * Without `onEvent` the watch keeps every event in `events`; with it, each event goes to the
   * callback as it arrives and is not kept, so a long-lived watch (the apiserver's) does not
   * grow without bound.
   */
  watch(key: string, options?: { prefix?: boolean; startRevision?: number; prevKv?: boolean; progressNotify?: boolean; onEvent?: (event: EtcdWatchEvent) => void }): Promise<EtcdWatch>;
  leaseGrant(ttlSeconds: number): Promise<{ id: number; ttl: number }>;
  leaseRevoke(id: number): Promise<void>;
  leaseKeepAliveOnce(id: number): Promise<{ ttl: number }>;
  leaseTimeToLive(id: number, options?: { keys?: boolean }): Promise<{ ttl: number; grantedTtl: number; keys: string[] }>;
  memberList(): Promise<Member[]>;
  memberAdd(peerURLs: string[], options?: { learner?: boolean }): Promise<{ member: Member; members: Member[] }>;
  memberRemove(id: string): Promise<Member[]>;
  /** Status of the member behind one endpoint. */
  status(endpoint: string): Promise<MemberStatus>;
  close(): void;
}

/** Starts etcd clusters of a given size for the scenarios of slide 5. */
export interface EtcdClusterFactory {
  /** 'reference' or 'etcd 3.4.x (Debian)', for reports. */
  readonly implementation: string;
  start(options: { members: number; tls?: boolean }): Promise<EtcdCluster>;
}

export interface EtcdCluster {
  readonly memberNames: readonly string[];
  /** A client that knows every running member's endpoint. */
  client(options?: { members?: readonly string[]; credentials?: 'valid' | 'none' }): Etcd;
  endpointOf(member: string): string;
  /** Name of the member that currently claims leadership, if any claims it. */
  leader(): Promise<string | undefined>;
  kill(member: string): Promise<void>;
  restart(member: string): Promise<void>;
  /** Splits members into groups that cannot talk to each other (clients still reach all). */
  partition(groups: readonly (readonly string[])[]): Promise<void>;
  heal(): Promise<void>;
  addMember(name: string): Promise<void>;
  /**
   * Removes the member through the cluster API, then waits for it to stop on its own, as etcd
   * stops a member once its removal is applied; throws if it keeps running.
   */
  removeMember(name: string): Promise<void>;
  stop(): Promise<void>;
}
