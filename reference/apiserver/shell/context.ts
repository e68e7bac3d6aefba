/** What every request handler of one apiserver instance shares. */
import type { Etcd } from '../../../src/ports/etcd.ts';
import type { Clock } from '../core/object-lifecycle.ts';
import { storageOf, type ResourceInfo } from '../core/resource-table.ts';
import type { StatusCause } from '../core/status.ts';
import type { Cidr } from '../core/allocator.ts';
import type { Storage } from './storage.ts';
import type { WatchCache } from './watch-cache.ts';

export interface ApiContext {
  etcd: Etcd;
  storage: Storage;
  /** etcd key prefix, default /registry. */
  prefix: string;
  caches: ReadonlyMap<string, WatchCache>;
  clock: Clock;
  /** Uniform in [0, 1); the shell's only randomness (uids, name suffixes, allocation offsets). */
  random: () => number;
  schemaErrors: (info: ResourceInfo, obj: unknown) => StatusCause[];
  serviceCidr: Cidr;
  nodePortRange: readonly [number, number];
  bookmarkIntervalMs: number;
  log: (line: string) => void;
}

export function cacheFor(ctx: ApiContext, view: ResourceInfo): WatchCache {
  const info = storageOf(view);
  const cache = ctx.caches.get(`${info.group}/${info.resource}`);
  if (cache === undefined) throw new Error(`no watch cache for ${info.resource}`);
  return cache;
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(random: () => number, length = 5): string {
  let s = '';
  for (let i = 0; i < length; i++) s += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)] ?? 'x';
  return s;
}

export function randomUid(random: () => number): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)] ?? '8'}${hex(3)}-${hex(12)}`;
}
