/**
 * Service ClusterIP and NodePort allocation logic. The shell records each allocation as
 * its own etcd key created with a compare-and-swap, so concurrent apiservers never hand
 * out the same value; this core only parses ranges and proposes candidates.
 */
import { errors } from './status.ts';

export interface Cidr {
  base: number;
  size: number;
}

export function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(text: string): Cidr {
  const [ip, bits] = text.split('/');
  const base = parseIpv4(ip ?? '');
  const b = Number(bits);
  if (base === undefined || !Number.isInteger(b) || b < 8 || b > 30) throw new Error(`invalid service CIDR ${text}`);
  const size = 2 ** (32 - b);
  return { base: base - (base % size), size };
}

export function inCidr(cidr: Cidr, ip: string): boolean {
  const n = parseIpv4(ip);
  // The network address and the broadcast address are never handed out.
  return n !== undefined && n > cidr.base && n < cidr.base + cidr.size - 1;
}

/** Candidate IPs in the order to try, starting at a random offset (from the shell's source). */
export function ipCandidates(cidr: Cidr, used: ReadonlySet<string>, randomOffset: number, max = 64): string[] {
  const usable = cidr.size - 2;
  const out: string[] = [];
  // .1 is upstream's `kubernetes` Service address; skip it for ordinary Services.
  for (let i = 0; i < usable && out.length < max; i++) {
    const n = cidr.base + 1 + ((randomOffset + i) % usable);
    const ip = formatIpv4(n);
    if (n !== cidr.base + 1 && !used.has(ip)) out.push(ip);
  }
  if (out.length === 0) throw errors.invalid('Service', '', '', [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Internal error: failed to allocate a serviceIP: range is full' }]);
  return out;
}

export function parsePortRange(text: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (m === null) throw new Error(`invalid port range ${text}`);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) throw new Error(`invalid port range ${text}`);
  return [lo, hi];
}

export function portCandidates(range: readonly [number, number], used: ReadonlySet<number>, randomOffset: number, max = 64): number[] {
  const size = range[1] - range[0] + 1;
  const out: number[] = [];
  for (let i = 0; i < size && out.length < max; i++) {
    const p = range[0] + ((randomOffset + i) % size);
    if (!used.has(p)) out.push(p);
  }
  if (out.length === 0) throw errors.invalid('Service', '', '', [{ reason: 'FieldValueInvalid', field: 'spec.ports[0].nodePort', message: 'Internal error: failed to allocate a nodePort: range is full' }]);
  return out;
}
