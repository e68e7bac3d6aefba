/** IPv4 CIDR membership, for --nodeport-addresses and --cluster-cidr. */
import { ipNumber } from './service-port-table.ts';

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipNumber(ip) & mask) >>> 0) === ((ipNumber(base) & mask) >>> 0);
}
