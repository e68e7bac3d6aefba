/**
 * Makes service addresses local so a user-space listener can bind them: like upstream IPVS
 * mode, every ClusterIP/external IP is added as a /32 to a dummy interface (kube-ipvs0).
 * Kernels without the dummy driver (this kit's CI kernel has none) get the addresses on
 * `lo` instead, which delivers locally just the same. Addresses in 127.0.0.0/8 are already
 * local and are left alone. Only addresses this object added are ever removed. Needs root
 * in the node's network namespace; without it binding fails and the proxier logs why.
 */
import type { RunCommand } from './run-command.ts';

export const DUMMY_INTERFACE = 'kube-ipvs0';

export class VipAddresses {
  private device: string | undefined;
  private createdDummy = false;
  private readonly added = new Set<string>();

  constructor(
    private readonly run: RunCommand,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** Makes exactly `wanted` (minus loopback ones) the addresses this proxy added. */
  async ensure(wanted: readonly string[]): Promise<void> {
    const target = new Set(wanted.filter((ip) => !ip.startsWith('127.') && ip !== '0.0.0.0'));
    if (target.size === 0 && this.added.size === 0) return;
    const device = await this.deviceName();
    for (const ip of target) {
      if (this.added.has(ip)) continue;
      const r = await this.run('ip', ['addr', 'add', `${ip}/32`, 'dev', device]);
      if (r.code !== 0 && !r.stderr.includes('File exists')) throw new Error(`cannot add ${ip} to ${device}: ${r.stderr.trim()}`);
      this.added.add(ip);
    }
    for (const ip of [...this.added]) {
      if (target.has(ip)) continue;
      await this.run('ip', ['addr', 'del', `${ip}/32`, 'dev', device]);
      this.added.delete(ip);
    }
  }

  private async deviceName(): Promise<string> {
    if (this.device !== undefined) return this.device;
    const exists = await this.run('ip', ['link', 'show', DUMMY_INTERFACE]);
    if (exists.code === 0) this.device = DUMMY_INTERFACE;
    else {
      const made = await this.run('ip', ['link', 'add', DUMMY_INTERFACE, 'type', 'dummy']);
      if (made.code === 0) {
        this.createdDummy = true;
        this.device = DUMMY_INTERFACE;
      } else {
        this.log(`cannot create ${DUMMY_INTERFACE} (${made.stderr.trim()}): service addresses go on lo`);
        this.device = 'lo';
      }
    }
    await this.run('ip', ['link', 'set', this.device, 'up']);
    return this.device;
  }

  async remove(): Promise<void> {
    if (this.device === undefined) return;
    if (this.createdDummy) await this.run('ip', ['link', 'del', DUMMY_INTERFACE]);
    else for (const ip of this.added) await this.run('ip', ['addr', 'del', `${ip}/32`, 'dev', this.device]);
    this.added.clear();
  }
}
