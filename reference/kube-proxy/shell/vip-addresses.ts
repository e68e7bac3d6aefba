/**
 * Makes service addresses local so a user-space listener can bind them: like upstream IPVS
 * mode, every ClusterIP/external IP is added as a /32 to a dummy interface (kube-ipvs0).
 * Addresses in 127.0.0.0/8 are already local and are left alone. Needs root in the
 * node's network namespace; without it binding fails and the proxier logs why.
 */
import type { RunCommand } from './run-command.ts';

export const DUMMY_INTERFACE = 'kube-ipvs0';

export class VipAddresses {
  private created = false;
  constructor(private readonly run: RunCommand) {}

  /** Makes exactly `wanted` (minus loopback ones) the addresses of the dummy interface. */
  async ensure(wanted: readonly string[]): Promise<void> {
    const target = new Set(wanted.filter((ip) => !ip.startsWith('127.') && ip !== '0.0.0.0'));
    if (target.size === 0 && !this.created) return;
    if (!this.created) {
      const exists = await this.run('ip', ['link', 'show', DUMMY_INTERFACE]);
      if (exists.code !== 0) {
        const made = await this.run('ip', ['link', 'add', DUMMY_INTERFACE, 'type', 'dummy']);
        if (made.code !== 0) throw new Error(`cannot create ${DUMMY_INTERFACE}: ${made.stderr.trim()}`);
      }
      await this.run('ip', ['link', 'set', DUMMY_INTERFACE, 'up']);
      this.created = true;
    }
    const current = new Set(await this.list());
    for (const ip of target) if (!current.has(ip)) await this.run('ip', ['addr', 'add', `${ip}/32`, 'dev', DUMMY_INTERFACE]);
    for (const ip of current) if (!target.has(ip)) await this.run('ip', ['addr', 'del', `${ip}/32`, 'dev', DUMMY_INTERFACE]);
  }

  async list(): Promise<string[]> {
    const out = await this.run('ip', ['-4', '-o', 'addr', 'show', 'dev', DUMMY_INTERFACE]);
    return [...out.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
  }

  async remove(): Promise<void> {
    if (this.created) await this.run('ip', ['link', 'del', DUMMY_INTERFACE]);
    this.created = false;
  }
}
