/**
 * Renders rule sets as iptables-restore input for `iptables-restore --noflush`.
 * In that mode a `:CHAIN - [0:0]` line creates or flushes one chain and leaves every other
 * chain alone, which is how upstream kube-proxy rewrites only its own chains.
 * `renderIncremental` writes only the chains whose rules changed since the last applied set
 * and deletes chains that disappeared (upstream's "partial sync"): a change to one Service
 * touches KUBE-SERVICES and that Service's chains, not the whole table.
 */
import type { Chains, IptablesRuleSet, Table } from './iptables-rules.ts';

const TABLES: readonly Table[] = ['filter', 'nat'];

/** Everything, plus deletion of `staleChains` (found in the kernel from an earlier run). */
export function renderFull(next: IptablesRuleSet, staleChains: Partial<Record<Table, readonly string[]>> = {}): string {
  let out = '';
  for (const table of TABLES) {
    const stale = (staleChains[table] ?? []).filter((c) => !next[table].has(c));
    out += renderTable(table, next[table], [...next[table].keys()], stale);
  }
  return out;
}

/** Only what changed from `previous` to `next`; '' when nothing did. */
export function renderIncremental(previous: IptablesRuleSet, next: IptablesRuleSet): string {
  let out = '';
  for (const table of TABLES) {
    const before = previous[table];
    const after = next[table];
    const changed = [...after.keys()].filter((chain) => !sameRules(before.get(chain), after.get(chain)));
    const deleted = [...before.keys()].filter((chain) => !after.has(chain));
    if (changed.length === 0 && deleted.length === 0) continue;
    out += renderTable(table, after, changed, deleted);
  }
  return out;
}

function renderTable(table: Table, chains: Chains, write: readonly string[], remove: readonly string[]): string {
  const lines = [`*${table}`];
  for (const chain of [...write, ...remove]) lines.push(`:${chain} - [0:0]`);
  for (const chain of write) for (const rule of chains.get(chain) ?? []) lines.push(`-A ${chain} ${rule}`);
  // Deleted after the rewrite above removed every jump to them, within the same commit.
  for (const chain of remove) lines.push(`-X ${chain}`);
  lines.push('COMMIT');
  return lines.join('\n') + '\n';
}

function sameRules(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((rule, i) => rule === b[i]);
}

/** Counts rules per chain in `iptables-save` output (used by tests and steps to inspect). */
export function parseSave(text: string): Record<Table, Chains> {
  const out: Record<Table, Chains> = { nat: new Map(), filter: new Map() };
  let current: Chains | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) current = line === '*nat' ? out.nat : line === '*filter' ? out.filter : undefined;
    else if (current === undefined) continue;
    else if (line.startsWith(':')) current.set(line.slice(1).split(' ')[0]!, []);
    else if (line.startsWith('-A ')) {
      const rest = line.slice(3);
      const space = rest.indexOf(' ');
      const chain = rest.slice(0, space);
      const rules = current.get(chain) ?? [];
      rules.push(rest.slice(space + 1));
      current.set(chain, rules);
    }
  }
  return out;
}
