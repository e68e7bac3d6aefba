/**
 * The IPVS schedulers, as the Linux kernel implements them (net/netfilter/ip_vs_*.c), so a
 * user-space IPVS data plane balances exactly as kernel IPVS would:
 * - rr: next server in turn, skipping weight-0 (quiesced) servers;
 * - wrr: interleaved weighted round-robin (current weight stepped down by gcd);
 * - lc: fewest connections, overhead = active * 256 + inactive (ip_vs_dest_conn_overhead);
 * - wlc: fewest connections per weight;
 * - sh / dh: a 256-bucket table filled round-robin by weight, indexed by a multiplicative
 *   hash of the source / destination address (ip_vs_sh.c, ip_vs_dh.c), so one address
 *   always maps to the same server while the server set is unchanged.
 * Each scheduler is a small deterministic state machine; the caller owns the counters.
 */
import type { IpvsScheduler } from './ipvs-table.ts';
import { ipNumber } from './service-port-table.ts';

export interface ServerLoad {
  weight: number;
  active: number;
  inactive: number;
}

export interface PickInput {
  servers: readonly ServerLoad[];
  sourceAddress: string;
  destinationAddress: string;
}

export interface Scheduler {
  readonly name: IpvsScheduler;
  /** Index of the chosen server, or undefined when none can take the connection. */
  pick(input: PickInput): number | undefined;
}

export function createScheduler(name: IpvsScheduler): Scheduler {
  switch (name) {
    case 'rr':
      return roundRobin();
    case 'wrr':
      return weightedRoundRobin();
    case 'lc':
      return { name, pick: ({ servers }) => leastConnection(servers, false) };
    case 'wlc':
      return { name, pick: ({ servers }) => leastConnection(servers, true) };
    case 'sh':
      return { name, pick: ({ servers, sourceAddress }) => hashed(servers, sourceAddress) };
    case 'dh':
      return { name, pick: ({ servers, destinationAddress }) => hashed(servers, destinationAddress) };
  }
}

function roundRobin(): Scheduler {
  let last = -1;
  return {
    name: 'rr',
    pick({ servers }) {
      for (let step = 1; step <= servers.length; step++) {
        const i = (last + step) % servers.length;
        if (servers[i]!.weight > 0) {
          last = i;
          return i;
        }
      }
      return undefined;
    },
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function weightedRoundRobin(): Scheduler {
  let i = -1;
  let cw = 0;
  return {
    name: 'wrr',
    pick({ servers }) {
      const weights = servers.map((s) => Math.max(0, s.weight));
      const max = Math.max(0, ...weights);
      if (max === 0) return undefined;
      const step = weights.reduce((g, w) => (w > 0 ? gcd(g, w) : g), 0);
      if (cw > max) cw = max;
      // At most one full cycle of weights: n servers times max/step levels.
      for (let guard = 0; guard <= servers.length * (max / step + 1); guard++) {
        i = (i + 1) % servers.length;
        if (i === 0) {
          cw -= step;
          if (cw <= 0) cw = max;
        }
        if (weights[i]! >= cw) return i;
      }
      return undefined;
    },
  };
}

function leastConnection(servers: readonly ServerLoad[], weighted: boolean): number | undefined {
  let best: number | undefined;
  let bestOverhead = 0;
  servers.forEach((s, i) => {
    if (s.weight <= 0) return;
    const overhead = s.active * 256 + s.inactive;
    if (best === undefined) {
      best = i;
      bestOverhead = overhead;
      return;
    }
    const bestWeight = weighted ? servers[best]!.weight : 1;
    const weight = weighted ? s.weight : 1;
    // overhead/weight < bestOverhead/bestWeight, without division (as the kernel does).
    if (overhead * bestWeight < bestOverhead * weight) {
      best = i;
      bestOverhead = overhead;
    }
  });
  return best;
}

const TABLE_BITS = 8;
const TABLE_SIZE = 1 << TABLE_BITS;

/** Bucket of an address: (addr * 2654435761) >> (32 - 8), in 32-bit arithmetic. */
export function hashBucket(address: string): number {
  return (Math.imul(ipNumber(address), 2654435761 | 0) >>> 0) >>> (32 - TABLE_BITS);
}

/** The 256-bucket table: servers in order, each repeated `weight` times, cycling. */
export function hashTable(servers: readonly ServerLoad[]): Array<number | undefined> {
  const usable = servers.map((s, i) => ({ i, weight: s.weight })).filter((s) => s.weight > 0);
  const table: Array<number | undefined> = [];
  if (usable.length === 0) return new Array<number | undefined>(TABLE_SIZE).fill(undefined);
  let current = 0;
  let count = 0;
  for (let bucket = 0; bucket < TABLE_SIZE; bucket++) {
    const s = usable[current]!;
    table.push(s.i);
    count++;
    if (count >= s.weight) {
      count = 0;
      current = (current + 1) % usable.length;
    }
  }
  return table;
}

function hashed(servers: readonly ServerLoad[], address: string): number | undefined {
  return hashTable(servers)[hashBucket(address)];
}
