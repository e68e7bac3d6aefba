/** Txn compares and range sorting, with etcd's rules for missing keys. */
import type { Compare, KeyValue, RangeRequest } from './types.ts';

function field(kv: KeyValue | undefined, target: Compare['target']): number | string {
  switch (target) {
    case 'VERSION': return kv?.version ?? 0;
    case 'CREATE': return kv?.createRevision ?? 0;
    case 'MOD': return kv?.modRevision ?? 0;
    case 'LEASE': return kv?.lease ?? 0;
    case 'VALUE': return kv?.value ?? '';
  }
}

function holds(actual: number | string, result: Compare['result'], expected: number | string): boolean {
  switch (result) {
    case 'EQUAL': return actual === expected;
    case 'NOT_EQUAL': return actual !== expected;
    case 'GREATER': return actual > expected;
    case 'LESS': return actual < expected;
  }
}

/**
 * A compare holds if it holds for every key in its range. A missing key compares as zeros,
 * except that a VALUE compare on a missing key always fails (etcd: gRPC cannot tell a
 * missing value from an empty one).
 */
export function compareMatches(compare: Compare, kvs: readonly KeyValue[]): boolean {
  if (kvs.length === 0) {
    if (compare.target === 'VALUE') return false;
    return holds(field(undefined, compare.target), compare.result, compare.value);
  }
  return kvs.every((kv) => holds(field(kv, compare.target), compare.result, compare.value));
}

export function sortKeyValues(kvs: KeyValue[], order: NonNullable<RangeRequest['sortOrder']>, target: NonNullable<RangeRequest['sortTarget']>): KeyValue[] {
  // Keys come out of the scan in ascending key order already.
  if (order === 'NONE' || (order === 'ASCEND' && target === 'KEY')) return kvs;
  const get = (kv: KeyValue): number | string => {
    switch (target) {
      case 'KEY': return kv.key;
      case 'VERSION': return kv.version;
      case 'CREATE': return kv.createRevision;
      case 'MOD': return kv.modRevision;
      case 'VALUE': return kv.value;
    }
  };
  const sign = order === 'DESCEND' ? -1 : 1;
  return [...kvs].sort((a, b) => {
    const x = get(a);
    const y = get(b);
    return x < y ? -sign : x > y ? sign : 0;
  });
}
