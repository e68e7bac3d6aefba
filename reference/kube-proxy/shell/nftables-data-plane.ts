/**
 * nftables mode: the whole `ip kube-proxy` table is replaced in one `nft -f` transaction per
 * sync (atomic: packets see the old or the new rules, never a mix). Needs root in the
 * node's network namespace. The table stays when the process exits, as upstream's does.
 */
import { buildNftablesRuleSet, NFT_TABLE, renderNftables, type NftablesOptions } from '../core/nftables-rules.ts';
import type { ServicePortEntry } from '../core/service-port-table.ts';
import type { DataPlane } from './data-plane.ts';
import type { RunCommand } from './run-command.ts';

export class NftablesDataPlane implements DataPlane {
  readonly mode = 'nftables';
  private last = '';
  private counters = { syncs: 0, writes: 0, failures: 0 };

  constructor(
    private readonly options: NftablesOptions,
    private readonly run: RunCommand,
  ) {}

  async sync(table: readonly ServicePortEntry[], full: boolean): Promise<void> {
    const text = renderNftables(buildNftablesRuleSet(table, this.options));
    this.counters.syncs++;
    if (text === this.last && !full) return;
    const result = await this.run('nft', ['-f', '-'], text);
    if (result.code !== 0) {
      this.counters.failures++;
      this.last = '';
      throw new Error(`nft -f failed (${result.code}): ${result.stderr.trim().slice(0, 2000)}`);
    }
    this.counters.writes++;
    this.last = text;
  }

  metrics(): Record<string, number> {
    return { kck_proxy_nftables_syncs_total: this.counters.syncs, kck_proxy_nftables_writes_total: this.counters.writes, kck_proxy_nftables_failures_total: this.counters.failures };
  }

  async stop(): Promise<void> {}

  async cleanup(): Promise<void> {
    await this.run('nft', ['delete', 'table', 'ip', NFT_TABLE]);
  }
}
