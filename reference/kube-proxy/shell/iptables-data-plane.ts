/**
 * iptables mode: the rule set goes to the kernel of the network namespace the proxy runs
 * in, through `iptables-restore --noflush` (needs root there). The first sync, and every
 * sync asked to be `full`, writes every chain and removes KUBE-SVC/SEP/EXT/SVL chains left
 * by an earlier run; other syncs write only the chains that changed. A failed restore
 * makes the next sync a full one. UDP flows to endpoints that went away are removed from
 * conntrack (upstream does the same) so datagrams stop going to a dead Pod.
 */
import { BASE_JUMPS, buildIptablesRuleSet, SERVICE_CHAIN_PREFIXES, type IptablesOptions, type IptablesRuleSet } from '../core/iptables-rules.ts';
import { parseSave, renderFull, renderIncremental } from '../core/iptables-restore-text.ts';
import { usableEndpoints, type ServicePortEntry } from '../core/service-port-table.ts';
import type { DataPlane, Log } from './data-plane.ts';
import type { RunCommand } from './run-command.ts';

export class IptablesDataPlane implements DataPlane {
  readonly mode = 'iptables';
  private applied: IptablesRuleSet | undefined;
  private udpEndpoints = new Map<string, Set<string>>();
  private counters = { syncs: 0, fullSyncs: 0, failures: 0, restoreLines: 0 };

  constructor(
    private readonly options: IptablesOptions,
    private readonly run: RunCommand,
    private readonly log: Log,
  ) {}

  async sync(table: readonly ServicePortEntry[], full: boolean): Promise<void> {
    const next = buildIptablesRuleSet(table, this.options);
    let text: string;
    if (full || this.applied === undefined) {
      await this.ensureBaseJumps();
      text = renderFull(next, await this.kernelServiceChains());
      this.counters.fullSyncs++;
    } else text = renderIncremental(this.applied, next);
    this.counters.syncs++;
    if (text !== '') {
      const result = await this.run('iptables-restore', ['--noflush', '--wait'], text);
      if (result.code !== 0) {
        this.applied = undefined;
        this.counters.failures++;
        throw new Error(`iptables-restore failed (${result.code}): ${result.stderr.trim()}`);
      }
      this.counters.restoreLines += text.split('\n').length - 1;
    }
    this.applied = next;
    await this.clearStaleUdpFlows(table);
  }

  /** The rule set last applied (tests, /metrics). */
  get lastApplied(): IptablesRuleSet | undefined {
    return this.applied;
  }

  metrics(): Record<string, number> {
    return {
      kck_proxy_iptables_syncs_total: this.counters.syncs,
      kck_proxy_iptables_full_syncs_total: this.counters.fullSyncs,
      kck_proxy_iptables_restore_failures_total: this.counters.failures,
      kck_proxy_iptables_restore_lines_total: this.counters.restoreLines,
    };
  }

  /** Leaves the rules in place when the process exits, as upstream does (traffic keeps flowing). */
  async stop(): Promise<void> {}

  /** Removes every rule and chain this proxy writes (kube-proxy --cleanup). */
  async cleanup(): Promise<void> {
    for (const jump of BASE_JUMPS) {
      const args = ['-w', '-t', jump.table, '-D', jump.chain, ...splitRule(jump.rule)];
      while ((await this.run('iptables', args)).code === 0) {
        /* delete every copy */
      }
    }
    const save = parseSave((await this.run('iptables-save', [])).stdout);
    let text = '';
    for (const table of ['filter', 'nat'] as const) {
      const ours = [...save[table].keys()].filter((c) => c.startsWith('KUBE-'));
      if (ours.length === 0) continue;
      text += `*${table}\n${ours.map((c) => `:${c} - [0:0]`).join('\n')}\n${ours.map((c) => `-X ${c}`).join('\n')}\nCOMMIT\n`;
    }
    if (text !== '') await this.run('iptables-restore', ['--noflush', '--wait'], text);
    this.applied = undefined;
  }

  private async ensureBaseJumps(): Promise<void> {
    // The chains must exist before a rule can jump to them.
    const declare = '*filter\n:KUBE-SERVICES - [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FORWARD - [0:0]\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-POSTROUTING - [0:0]\nCOMMIT\n';
    const made = await this.run('iptables-restore', ['--noflush', '--wait'], declare);
    if (made.code !== 0) throw new Error(`iptables-restore failed (${made.code}): ${made.stderr.trim()}`);
    for (const jump of BASE_JUMPS) {
      const rule = splitRule(jump.rule);
      if ((await this.run('iptables', ['-w', '-t', jump.table, '-C', jump.chain, ...rule])).code === 0) continue;
      const added = await this.run('iptables', ['-w', '-t', jump.table, '-I', jump.chain, '1', ...rule]);
      if (added.code !== 0) throw new Error(`cannot add ${jump.table} ${jump.chain} jump: ${added.stderr.trim()}`);
    }
  }

  private async kernelServiceChains(): Promise<{ nat: string[]; filter: string[] }> {
    const save = parseSave((await this.run('iptables-save', ['-t', 'nat'])).stdout);
    return { nat: [...save.nat.keys()].filter((c) => SERVICE_CHAIN_PREFIXES.some((p) => c.startsWith(p))), filter: [] };
  }

  private async clearStaleUdpFlows(table: readonly ServicePortEntry[]): Promise<void> {
    const now = new Map<string, Set<string>>();
    for (const entry of table) {
      if (entry.service.protocol !== 'UDP') continue;
      now.set(entry.service.name, new Set(usableEndpoints(entry, this.options.nodeName, false).map((e) => e.ip)));
    }
    for (const [name, before] of this.udpEndpoints) {
      const after = now.get(name) ?? new Set<string>();
      for (const ip of before) if (!after.has(ip)) await this.run('conntrack', ['-D', '-p', 'udp', '--reply-src', ip]);
    }
    this.udpEndpoints = now;
  }
}

/** Splits a rule into arguments, keeping "quoted comments" whole. */
export function splitRule(rule: string): string[] {
  return [...rule.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}
