/** Renders the claim coverage report as Markdown, HTML and a terminal table. */
import type { ClaimsReport, Counts, Status } from './claims-report.ts';
import { STATUSES } from './claims-report.ts';

/** A run that ran none of a claim's scenarios has no result for it. */
const NOT_RUN = 'not run';

function symbol(status: Status | undefined): string {
  return status === undefined ? NOT_RUN : SYMBOL[status];
}

const SYMBOL: Record<Status, string> = {
  passed: 'passed',
  failed: 'FAILED',
  'not-applicable': 'n/a',
  'not-implemented': 'not implemented',
  uncovered: 'UNCOVERED',
};

function countsLine(c: Counts): string {
  return STATUSES.filter((s) => c[s] > 0).map((s) => `${c[s]} ${SYMBOL[s]}`).join(', ') || 'none';
}

export function renderMarkdown(report: ClaimsReport): string {
  const names = report.targets.map((t) => t.name);
  const lines: string[] = [
    '# Claim coverage',
    '',
    `Generated ${report.generatedAt}. A claim passes on a target when at least one of its scenarios ran and passed there and none failed; ` +
      '"n/a" means the target cannot offer what the scenarios need, "not implemented" that the reference part is not built yet, "not run" that the run (a pass over a subset) ran none of its scenarios; none of these counts as passed.',
    '',
    ...report.targets.map((t) => `- **${t.name}**: ${t.description} (finished ${t.finishedAt}): ${countsLine(report.totals[t.name]!.all)}`),
    '',
    `| Claim | Statement | Scenarios | ${names.join(' | ')} |`,
    `|---|---|---|${names.map(() => '---').join('|')}|`,
  ];
  for (const c of report.claims) {
    lines.push(`| ${c.id} | ${c.statement.replace(/\|/g, '\\|')} | ${c.scenarios.length} | ${names.map((n) => symbol(c.results[n])).join(' | ')} |`);
  }
  lines.push('', '## By component', '');
  for (const t of report.targets) {
    lines.push(`### ${t.name}`, '', '| Component | Claims |', '|---|---|');
    for (const [component, counts] of Object.entries(report.totals[t.name]!.byComponent).sort()) lines.push(`| ${component} | ${countsLine(counts)} |`);
    lines.push('');
  }
  lines.push('## Scenarios', '');
  for (const c of report.claims) {
    lines.push(`### ${c.id}`, '', c.statement, '');
    if (c.upstreamDifference) lines.push(`Upstream differs: ${c.upstreamDifference.reason} (${c.upstreamDifference.reference})`, '');
    if (c.scenarios.length === 0) lines.push('- no scenario', '');
    for (const s of c.scenarios) {
      const results = names.map((n) => {
        const r = s.results[n];
        return r === undefined ? `${n}: ${NOT_RUN}` : `${n}: ${SYMBOL[r.status]}${r.reason ? ` (${r.reason})` : ''}`;
      });
      lines.push(`- ${s.name} (${s.uri}:${s.line}): ${results.join('; ')}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
}

export function renderHtml(report: ClaimsReport): string {
  const names = report.targets.map((t) => t.name);
  const rows = report.claims
    .map((c) => {
      const cells = names.map((n) => {
        const st = c.results[n];
        return `<td class="${st ?? 'not-run'}">${symbol(st)}</td>`;
      });
      const scenarios = c.scenarios
        .map((s) => `<li>${esc(s.name)} <small>${esc(s.uri)}:${s.line}</small> ${names.map((n) => {
          const r = s.results[n];
          return r ? `<span class="${r.status}" title="${esc(r.reason ?? '')}">${n}: ${SYMBOL[r.status]}</span>` : '';
        }).join(' ')}</li>`)
        .join('');
      const differs = c.upstreamDifference ? `<p><small>Upstream differs: ${esc(c.upstreamDifference.reason)} (<a href="${esc(c.upstreamDifference.reference)}">reference</a>)</small></p>` : '';
      return `<tr><th>${c.id}</th><td>${esc(c.statement)}${differs}<details><summary>${c.scenarios.length} scenario(s)</summary><ul>${scenarios}</ul></details></td>${cells.join('')}</tr>`;
    })
    .join('\n');
  const summary = report.targets.map((t) => `<li><b>${esc(t.name)}</b>: ${esc(t.description)}: ${countsLine(report.totals[t.name]!.all)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Claim coverage</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
.passed{background:#d9f2d9}.failed{background:#f8d0d0;font-weight:bold}.not-applicable{background:#eee;color:#555}
.not-implemented{background:#fff1c6}.not-run{color:#888}.uncovered{background:#f8d0d0}
span{padding:0 .3rem;border-radius:.2rem}
</style></head><body>
<h1>Claim coverage</h1>
<p>Generated ${esc(report.generatedAt)}. "n/a": the target cannot offer what the scenarios need; "not implemented": that part of the reference is not built yet. Neither counts as passed.</p>
<ul>${summary}</ul>
<table><thead><tr><th>Claim</th><th>Statement</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}

export function renderTerminal(report: ClaimsReport): string {
  const names = report.targets.map((t) => t.name);
  const width = Math.max(...names.map((n) => n.length), 15);
  const header = `${'claim'.padEnd(7)} ${names.map((n) => n.padEnd(width)).join(' ')}  statement`;
  const lines = [header, '-'.repeat(header.length + 40)];
  for (const c of report.claims) {
    lines.push(`${c.id.padEnd(7)} ${names.map((n) => symbol(c.results[n]).padEnd(width)).join(' ')}  ${c.statement.slice(0, 90)}`);
  }
  lines.push('');
  for (const t of report.targets) lines.push(`${t.name}: ${countsLine(report.totals[t.name]!.all)}`);
  return lines.join('\n');
}
