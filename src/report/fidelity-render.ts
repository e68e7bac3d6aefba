/**
 * reports/fidelity.md (issue 9): how the kit's claims fare on the reference cluster, on
 * upstream Kubernetes and on the mixed control planes, side by side, plus every documented
 * difference between upstream and the slides. A pure function of the catalogue and the runs
 * (reports/targets/<label>.json); a column whose run is missing, or that ran none of a
 * claim's scenarios, says "not run", never passed.
 */
import type { Claim } from './claims-catalogue.ts';
import { buildClaimsReport, type ScenarioStatus, type TargetRun } from './claims-report.ts';

/** One column: the run label it reads, and what the reader should call it. */
export interface FidelityColumn {
  label: string;
  title: string;
}

export const FIDELITY_COLUMNS: readonly FidelityColumn[] = [
  { label: 'reference', title: 'reference' },
  { label: 'upstream', title: 'upstream' },
  { label: 'upstream-apiserver+reference-controllers', title: 'upstream apiserver + reference controllers' },
  { label: 'reference-apiserver+upstream-controllers', title: 'reference apiserver + upstream controllers' },
];

const WORDS: Record<string, string> = { passed: 'passed', failed: 'FAILED', 'not-applicable': 'n/a', 'not-implemented': 'not implemented', uncovered: 'UNCOVERED' };
const SCENARIO_STATUSES: readonly ScenarioStatus[] = ['passed', 'failed', 'not-applicable', 'not-implemented'];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Scenario counts of one run, e.g. "40 passed, 2 FAILED, 50 n/a". */
export function scenarioCounts(run: TargetRun): string {
  const counts = SCENARIO_STATUSES.map((s) => [s, run.scenarios.filter((x) => x.status === s).length] as const).filter(([, n]) => n > 0);
  return counts.map(([s, n]) => `${n} ${WORDS[s]}`).join(', ') || 'no scenarios';
}

export function renderFidelity(catalogue: readonly Claim[], runs: ReadonlyMap<string, TargetRun>, now: Date, columns: readonly FidelityColumn[] = FIDELITY_COLUMNS): string {
  const present = columns.flatMap((c) => {
    const run = runs.get(c.label);
    return run === undefined ? [] : [run];
  });
  const report = buildClaimsReport(catalogue, present, now);
  const lines: string[] = [
    '# Fidelity: the claims on the reference, on upstream Kubernetes and on mixed control planes',
    '',
    `Generated ${now.toISOString()} by \`npm run test:upstream\`. A claim passes on a run when one of its scenarios ran and passed there and none failed; ` +
      '"n/a": the run cannot offer what the scenarios need (the reason is in reports/claims.md); "not run": the run is missing or ran none of the claim\'s scenarios. Neither counts as passed.',
    '',
    '## Runs',
    '',
  ];
  for (const c of columns) {
    const run = runs.get(c.label);
    lines.push(run === undefined ? `- **${c.title}** (\`${c.label}\`): not run` : `- **${c.title}** (\`${c.label}\`): ${run.target.description}; finished ${run.target.finishedAt}; scenarios: ${scenarioCounts(run)}`);
  }
  lines.push('', `| Claim | Statement | ${columns.map((c) => c.title).join(' | ')} |`, `|---|---|${columns.map(() => '---').join('|')}|`);
  for (const claim of report.claims) {
    const results = columns.map((c) => {
      const status = claim.results[c.label];
      return status === undefined ? 'not run' : WORDS[status]!;
    });
    const mark = claim.upstreamDifference ? ' (upstream differs, see below)' : '';
    lines.push(`| ${claim.id} | ${cell(claim.statement)}${mark} | ${results.join(' | ')} |`);
  }

  lines.push('', '## Where upstream differs from the slides', '');
  const differences = catalogue.filter((c) => c.upstreamDifference !== undefined);
  if (differences.length === 0) lines.push('None recorded in features/claims.yaml.');
  for (const c of differences) lines.push(`- **${c.id}**: ${c.upstreamDifference!.reason} ([reference](${c.upstreamDifference!.reference}))`);

  lines.push('', '## Failed scenarios', '');
  let failures = 0;
  for (const c of columns) {
    const run = runs.get(c.label);
    for (const s of run?.scenarios.filter((x) => x.status === 'failed') ?? []) {
      failures += 1;
      lines.push(`- ${c.title}: ${s.name} (${s.uri}:${s.line})${s.reason ? `: ${s.reason}` : ''}`);
    }
  }
  if (failures === 0) lines.push('None.');
  lines.push('');
  return lines.join('\n');
}

/** Whether any applicable scenario of the runs failed (the script's exit code). */
export function anyFailed(runs: ReadonlyMap<string, TargetRun>): boolean {
  return [...runs.values()].some((r) => r.scenarios.some((s) => s.status === 'failed'));
}
