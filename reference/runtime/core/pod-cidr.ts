/**
 * PodCidrAllocator: hands out pod IPs from the node's pod CIDR like CNI's host-local IPAM:
 * the network address and the gateway (first host, held by the node's bridge) are reserved,
 * released IPs are reused only after every other free address (so a replaced Pod gets a new
 * IP, as S11.3 observes on real clusters).
 */
export function parseIpv4(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address ${ip}`);
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr { network: number; prefix: number }

export function parseCidr(cidr: string): Cidr {
  const [ip, len] = cidr.split('/');
  const prefix = Number(len);
  if (!ip || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`bad pod CIDR ${cidr} (want a.b.c.d/8..30)`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (parseIpv4(ip) & mask) >>> 0, prefix };
}

export class PodCidrAllocator {
  readonly cidr: Cidr;
  private readonly used = new Set<number>();
  private next: number;

  constructor(cidr: string) {
    this.cidr = parseCidr(cidr);
    this.next = this.first();
  }

  /** The gateway address, held by the node bridge. */
  gateway(): string {
    return formatIpv4(this.cidr.network + 1);
  }

  private first(): number { return this.cidr.network + 2; }
  private last(): number { return this.cidr.network + 2 ** (32 - this.cidr.prefix) - 2; }

  allocate(): string {
    const size = this.last() - this.first() + 1;
    for (let i = 0; i < size; i++) {
      const candidate = this.next;
      this.next = candidate >= this.last() ? this.first() : candidate + 1;
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        return formatIpv4(candidate);
      }
    }
    throw new Error(`pod CIDR ${formatIpv4(this.cidr.network)}/${this.cidr.prefix} is exhausted`);
  }

  release(ip: string): void {
    this.used.delete(parseIpv4(ip));
  }
}
