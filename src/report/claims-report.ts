/**
 * The claim coverage report, as a pure function of the catalogue and the scenario results
 * of one or more target runs. A claim's result on a target is the worst of its scenarios':
 * failed beats passed; passed needs at least one scenario that really ran and passed.
 */
import type { Claim } from './claims-catalogue.ts';

export const STATUSES = ['passed', 'failed', 'not-applicable', 'not-implemented', 'uncovered'] as const;
export type Status = (typeof STATUSES)[number];
export type ScenarioStatus = Exclude<Status, 'uncovered'>;

export interface ScenarioResult {
  name: string;
  uri: string;
  line: number;
  tags: string[];
  status: ScenarioStatus;
  reason?: string;
}

export interface TargetRun {
  target: { name: string; description: string; finishedAt: string };
  scenarios: ScenarioResult[];
}

export type Counts = Record<Status, number>;

export interface ClaimsReport {
  generatedAt: string;
  targets: TargetRun['target'][];
  claims: Array<{
    id: string;
    slide: number;
    statement: string;
    components: string[];
    upstreamDifference?: { reason: string; reference: string };
    scenarios: Array<{ name: string; uri: string; line: number; results: Record<string, { status: ScenarioStatus; reason?: string }> }>;
    results: Record<string, Status>;
  }>;
  totals: Record<string, { all: Counts; byComponent: Record<string, Counts> }>;
}

const CLAIM_TAG = /^@(S\d+\.\d+)$/;

export function claimIdsOf(tags: readonly string[]): string[] {
  return tags.map((t) => CLAIM_TAG.exec(t)?.[1]).filter((id): id is string => id !== undefined);
}

export function combine(statuses: readonly ScenarioStatus[]): Status {
  if (statuses.length === 0) return 'uncovered';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('passed')) return 'passed';
  if (statuses.includes('not-implemented')) return 'not-implemented';
  return 'not-applicable';
}

function zero(): Counts {
  return { passed: 0, failed: 0, 'not-applicable': 0, 'not-implemented': 0, uncovered: 0 };
}

/**
 * `withScenarios`: the claims the features name, whether or not a run ran them; without it,
 * the claims some run has a scenario for. A claim outside it is uncovered on every run.
 */
export function buildClaimsReport(catalogue: readonly Claim[], runs: readonly TargetRun[], now: Date, withScenarios?: ReadonlySet<string>): ClaimsReport {
  const claims: ClaimsReport['claims'] = catalogue.map((claim) => {
    const scenarios = new Map<string, ClaimsReport['claims'][number]['scenarios'][number]>();
    for (const run of runs) {
      for (const s of run.scenarios) {
        if (!claimIdsOf(s.tags).includes(claim.id)) continue;
        const key = `${s.uri}:${s.line}`;
        const entry = scenarios.get(key) ?? { name: s.name, uri: s.uri, line: s.line, results: {} };
        entry.results[run.target.name] = s.reason === undefined ? { status: s.status } : { status: s.status, reason: s.reason };
        scenarios.set(key, entry);
      }
    }
    const list = [...scenarios.values()].sort((a, b) => a.uri.localeCompare(b.uri) || a.line - b.line);
    // A run that ran none of a claim's scenarios (a pass over a subset, e.g. one proxy mode)
    // says nothing of it: no result for that run. Uncovered means no scenario names it.
    const covered = list.length > 0 || withScenarios?.has(claim.id) === true;
    const results: Record<string, Status> = {};
    for (const run of runs) {
      const statuses = list.flatMap((s) => (s.results[run.target.name] ? [s.results[run.target.name]!.status] : []));
      if (statuses.length > 0 || !covered) results[run.target.name] = combine(statuses);
    }
    return { id: claim.id, slide: claim.slide, statement: claim.statement, components: claim.components, ...(claim.upstreamDifference ? { upstreamDifference: claim.upstreamDifference } : {}), scenarios: list, results };
  });
  const totals: ClaimsReport['totals'] = {};
  for (const run of runs) {
    const all = zero();
    const byComponent: Record<string, Counts> = {};
    for (const claim of claims) {
      const status = claim.results[run.target.name];
      if (status === undefined) continue;
      all[status] += 1;
      for (const component of claim.components) (byComponent[component] ??= zero())[status] += 1;
    }
    totals[run.target.name] = { all, byComponent };
  }
  return { generatedAt: now.toISOString(), targets: runs.map((r) => r.target), claims, totals };
}

/** Scenarios that name no claim, or a claim the catalogue does not have: both are defects. */
export function taggingProblems(catalogue: readonly Claim[], scenarios: readonly ScenarioResult[]): string[] {
  const known = new Set(catalogue.map((c) => c.id));
  const problems: string[] = [];
  for (const s of scenarios) {
    const ids = claimIdsOf(s.tags);
    if (ids.length === 0) problems.push(`${s.uri}:${s.line} "${s.name}" names no claim`);
    for (const id of ids) if (!known.has(id)) problems.push(`${s.uri}:${s.line} "${s.name}" names unknown claim ${id}`);
  }
  return problems;
}
