/**
 * ipvs mode on a kernel that has IP_VS: the virtual-server table goes to the kernel with
 * `ipvsadm-restore` after clearing it, service addresses go on kube-ipvs0. Only reachable
 * where /proc/net/ip_vs exists; this kit's CI kernel has none, so this path is untested
 * there and the user-space IPVS data plane runs instead.
 */
import { buildVirtualServers, renderIpvsadmRestore, type IpvsScheduler } from '../core/ipvs-table.ts';
import type { ServicePortEntry } from '../core/service-port-table.ts';
import type { DataPlane } from './data-plane.ts';
import type { RunCommand } from './run-command.ts';
import type { VipAddresses } from './vip-addresses.ts';

export class IpvsKernelDataPlane implements DataPlane {
  readonly mode = 'ipvs';
  private syncs = 0;

  constructor(
    private readonly options: { nodeName: string | undefined; nodeAddresses: readonly string[]; scheduler: IpvsScheduler },
    private readonly vips: VipAddresses,
    private readonly run: RunCommand,
  ) {}

  async sync(table: readonly ServicePortEntry[]): Promise<void> {
    const servers = buildVirtualServers(table, this.options);
    await this.vips.ensure(servers.filter((s) => s.kind !== 'node-port').map((s) => s.address));
    await this.run('ipvsadm', ['-C']);
    const result = await this.run('ipvsadm-restore', [], renderIpvsadmRestore(servers));
    if (result.code !== 0) throw new Error(`ipvsadm-restore failed: ${result.stderr.trim()}`);
    this.syncs++;
  }

  metrics(): Record<string, number> {
    return { kck_proxy_ipvs_syncs_total: this.syncs };
  }

  async stop(): Promise<void> {}
}
