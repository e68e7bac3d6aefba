/**
 * Conversions between the wire shapes (proto-loader objects, int64 as strings, bytes as
 * Buffers) and the port's plain types.
 */
import type { Compare, KeyValue, Member, ResponseHeader, TxnOp } from '../../ports/etcd.ts';
import { prefixEnd } from './etcd-proto.ts';

export interface WireKeyValue {
  key: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  value: Buffer;
  lease: string;
}

export interface WireHeader {
  cluster_id: string;
  member_id: string;
  revision: string;
  raft_term: string;
}

export interface WireMember {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export function toKeyValue(kv: WireKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: Number(kv.lease),
  };
}

export function toHeader(h: WireHeader | null | undefined): ResponseHeader {
  return {
    clusterId: h?.cluster_id ?? '0',
    memberId: h?.member_id ?? '0',
    revision: Number(h?.revision ?? 0),
    raftTerm: Number(h?.raft_term ?? 0),
  };
}

export function toMember(m: WireMember): Member {
  return { id: m.ID, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
}

/** Key and range end for a key, a prefix, or an explicit range. */
// A single key must leave range_end unset: protobufjs would send an empty range_end as a
// present field, which real etcd decodes as a non-nil empty end ("every key >= key").
export function keyRange(key: string, options: { prefix?: boolean; rangeEnd?: string }): { key: Buffer; range_end?: Buffer } {
  const k = Buffer.from(key);
  if (options.rangeEnd !== undefined) return { key: k, range_end: Buffer.from(options.rangeEnd) };
  if (options.prefix === true) return { key: k, range_end: prefixEnd(k) };
  return { key: k };
}

const compareResult = { equal: 'EQUAL', greater: 'GREATER', less: 'LESS', notEqual: 'NOT_EQUAL' } as const;

export function toWireCompare(c: Compare, leaseId: (id: number) => string = String): Record<string, unknown> {
  const base = { key: Buffer.from(c.key), result: compareResult[c.result] };
  switch (c.target) {
    case 'value':
      return { ...base, target: 'VALUE', value: Buffer.from(c.value) };
    case 'version':
      return { ...base, target: 'VERSION', version: String(c.value) };
    case 'createRevision':
      return { ...base, target: 'CREATE', create_revision: String(c.value) };
    case 'modRevision':
      return { ...base, target: 'MOD', mod_revision: String(c.value) };
    case 'lease':
      return { ...base, target: 'LEASE', lease: leaseId(c.value) };
  }
}

export function toWireOp(op: TxnOp, leaseId: (id: number) => string = String): Record<string, unknown> {
  if ('put' in op) {
    return { request_put: { key: Buffer.from(op.put.key), value: Buffer.from(op.put.value), lease: leaseId(op.put.lease ?? 0), prev_kv: true } };
  }
  if ('get' in op) {
    const { key, ...options } = op.get;
    return { request_range: rangeRequest(key, options) };
  }
  return { request_delete_range: { ...keyRange(op.delete.key, op.delete), prev_kv: false } };
}

export function rangeRequest(
  key: string,
  options: { prefix?: boolean; rangeEnd?: string; limit?: number; revision?: number; keysOnly?: boolean; countOnly?: boolean; linearizable?: boolean },
): Record<string, unknown> {
  return {
    ...keyRange(key, options),
    limit: String(options.limit ?? 0),
    revision: String(options.revision ?? 0),
    keys_only: options.keysOnly ?? false,
    count_only: options.countOnly ?? false,
    serializable: options.linearizable === false,
  };
}
