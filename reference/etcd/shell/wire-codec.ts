/**
 * Between proto-loader objects (bytes as Buffers, int64 as decimal strings) and the core's
 * binary strings and numbers.
 */
import type { MemberInfo } from '../core/command.ts';
import type { Compare, KeyValue, MvccEvent, RangeRequest, TxnOp, TxnOpResult } from '../core/mvcc/types.ts';

export const bin = (b: Buffer | Uint8Array | null | undefined): string => (b ? Buffer.from(b).toString('latin1') : '');
export const buf = (s: string): Buffer => Buffer.from(s, 'latin1');

export interface WireKv {
  key: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  value: Buffer;
  lease: string;
}

export function kvOut(kv: KeyValue): WireKv {
  return {
    key: buf(kv.key), value: buf(kv.value), create_revision: String(kv.createRevision), mod_revision: String(kv.modRevision),
    version: String(kv.version), lease: String(kv.lease),
  };
}

export function eventOut(event: MvccEvent, prevKv: boolean): Record<string, unknown> {
  return { type: event.type, kv: kvOut(event.kv), prev_kv: prevKv && event.prevKv ? kvOut(event.prevKv) : null };
}

export interface WireRange {
  key: Buffer;
  range_end: Buffer;
  limit: string;
  revision: string;
  sort_order: string;
  sort_target: string;
  serializable: boolean;
  keys_only: boolean;
  count_only: boolean;
}

export function rangeIn(r: WireRange): RangeRequest {
  return {
    key: bin(r.key), rangeEnd: bin(r.range_end), limit: Number(r.limit), revision: Number(r.revision),
    keysOnly: r.keys_only, countOnly: r.count_only,
    sortOrder: r.sort_order as NonNullable<RangeRequest['sortOrder']>, sortTarget: r.sort_target as NonNullable<RangeRequest['sortTarget']>,
  };
}

export function rangeOut(result: { kvs: KeyValue[]; more: boolean; count: number }): Record<string, unknown> {
  return { kvs: result.kvs.map(kvOut), more: result.more, count: String(result.count) };
}

interface WirePut { key: Buffer; value: Buffer; lease: string; prev_kv: boolean; ignore_value: boolean; ignore_lease: boolean }
interface WireDelete { key: Buffer; range_end: Buffer; prev_kv: boolean }
export interface WireRequestOp {
  request_range?: WireRange | null;
  request_put?: WirePut | null;
  request_delete_range?: WireDelete | null;
  request_txn?: unknown;
}

export function putIn(p: WirePut): TxnOp {
  return { type: 'put', key: bin(p.key), value: bin(p.value), lease: Number(p.lease), ignoreValue: p.ignore_value, ignoreLease: p.ignore_lease };
}

export function deleteIn(d: WireDelete): TxnOp {
  return { type: 'delete', key: bin(d.key), rangeEnd: bin(d.range_end) };
}

export function opIn(op: WireRequestOp): TxnOp {
  if (op.request_range) return { type: 'range', request: rangeIn(op.request_range) };
  if (op.request_put) return putIn(op.request_put);
  if (op.request_delete_range) return deleteIn(op.request_delete_range);
  throw new Error('etcdserver: nested transactions are not supported by the reference etcd');
}

/** Whether the client asked for previous key-values in this op (the core always computes them). */
export function wantsPrev(op: WireRequestOp): boolean {
  return op.request_put?.prev_kv === true || op.request_delete_range?.prev_kv === true;
}

export function opOut(result: TxnOpResult, prev: boolean, header: unknown): Record<string, unknown> {
  switch (result.type) {
    case 'range':
      return { response_range: { header, ...rangeOut(result.result) } };
    case 'put':
      return { response_put: { header, prev_kv: prev && result.prevKv ? kvOut(result.prevKv) : null } };
    case 'delete':
      return { response_delete_range: { header, deleted: String(result.deleted), prev_kvs: prev ? result.prevKvs.map(kvOut) : [] } };
  }
}

export interface WireCompare {
  result: string;
  target: string;
  key: Buffer;
  range_end: Buffer;
  version?: string;
  create_revision?: string;
  mod_revision?: string;
  value?: Buffer;
  lease?: string;
}

export function compareIn(c: WireCompare): Compare {
  const target = c.target as Compare['target'];
  const value = target === 'VALUE' ? bin(c.value)
    : Number((target === 'VERSION' ? c.version : target === 'CREATE' ? c.create_revision : target === 'MOD' ? c.mod_revision : c.lease) ?? 0);
  const out: Compare = { key: bin(c.key), target, result: c.result as Compare['result'], value };
  if (c.range_end.length > 0) out.rangeEnd = bin(c.range_end);
  return out;
}

export function memberOut(m: MemberInfo): Record<string, unknown> {
  return { ID: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
}
