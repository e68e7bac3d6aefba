/**
 * Value types of the MVCC store. Keys and values are binary strings (one char per byte,
 * 'latin1' in the shell), so JS string order is etcd's byte order and the core needs no Buffer.
 */

export interface KeyValue {
  key: string;
  value: string;
  /** Main revision of the put that created the key's current generation. */
  createRevision: number;
  modRevision: number;
  /** Number of puts since the key was (re)created; a delete resets it to 0. */
  version: number;
  lease: number;
}

export interface MvccEvent {
  type: 'PUT' | 'DELETE';
  /** For DELETE: only key and modRevision (the deleting revision) are set, as in etcd. */
  kv: KeyValue;
  prevKv?: KeyValue;
}

export interface RangeRequest {
  key: string;
  /** '' = just `key`; '\0' = every key >= `key`; otherwise the exclusive end. */
  rangeEnd?: string;
  limit?: number;
  /** 0 or absent = the current revision. */
  revision?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
  sortOrder?: 'NONE' | 'ASCEND' | 'DESCEND';
  sortTarget?: 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
}

export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface Compare {
  key: string;
  rangeEnd?: string;
  target: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
  result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  value: number | string;
}

export type TxnOp =
  | { type: 'range'; request: RangeRequest }
  | { type: 'put'; key: string; value: string; lease?: number; ignoreValue?: boolean; ignoreLease?: boolean }
  | { type: 'delete'; key: string; rangeEnd?: string };

export type TxnOpResult =
  | { type: 'range'; result: RangeResult }
  | { type: 'put'; prevKv: KeyValue | undefined }
  | { type: 'delete'; deleted: number; prevKvs: KeyValue[] };

export interface TxnRequest {
  compare: Compare[];
  success: TxnOp[];
  failure: TxnOp[];
}

export interface TxnResult {
  /** The store's revision after the txn (unchanged if it wrote nothing). */
  revision: number;
  succeeded: boolean;
  responses: TxnOpResult[];
}
