/**
 * Where the loopback cloud's load balancers answer: by default anywhere in 127.77.0.0/16;
 * with a cloud config, in one 127.a.b.0/24 block, so clusters side by side on one machine
 * never hand out the same address. Pure.
 */

export interface AddressBlock {
  /** 127.a.b: the block's first three octets; undefined for the whole default 127.77/16. */
  prefix?: string;
}

/** Parses "127.a.b.0/24"; anything else is refused with the reason. */
export function parseAddressBlock(cidr: string): AddressBlock {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(cidr);
  const octets = m === null ? [] : [Number(m[1]), Number(m[2])];
  if (octets.length !== 2 || octets.some((o) => o > 255)) throw new Error(`loadBalancerAddresses ${JSON.stringify(cidr)}: want a loopback /24 such as 127.77.5.0/24 (the kernel routes all of 127/8 to lo)`);
  return { prefix: `127.${octets[0] ?? 0}.${octets[1] ?? 0}` };
}

/** The n-th balancer's address (n from 0), never .0 or .255; undefined once the block is full. */
export function balancerAddress(block: AddressBlock, index: number): string | undefined {
  if (block.prefix !== undefined) return index < 254 ? `${block.prefix}.${index + 1}` : undefined;
  if (index >= 254 * 254) return undefined;
  return `127.77.${Math.floor(index / 254) + 1}.${(index % 254) + 1}`;
}
