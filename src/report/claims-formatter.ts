/**
 * A cucumber formatter that turns the run's results into the claim coverage report:
 * reports/targets/<target>.json for this run, then reports/claims.{json,md,html} over every
 * target run found in reports/targets/ (so runs on several targets show side by side).
 * Usage (cucumber.mjs): format: ['./src/report/claims-formatter.ts'].
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Formatter, type IFormatterOptions } from '@cucumber/cucumber';
import type * as messages from '@cucumber/messages';
import { STATUS_MEDIA_TYPE, type Applicability } from '../world/applicability.ts';
import { loadCatalogue } from './claims-catalogue.ts';
import { buildClaimsReport, claimIdsOf, taggingProblems, type ScenarioResult, type ScenarioStatus, type TargetRun } from './claims-report.ts';
import { renderHtml, renderMarkdown } from './claims-render.ts';
import { validateAgainst } from './schema-validator.ts';
import { loadTarget } from '../targets/target-registry.ts';
import { runLabel } from './run-label.ts';

const FAILING: ReadonlySet<string> = new Set(['FAILED', 'UNDEFINED', 'AMBIGUOUS', 'PENDING', 'UNKNOWN']);

export default class ClaimsFormatter extends Formatter {
  static override readonly documentation = 'Writes the claim coverage report (reports/claims.*)';
  private readonly pickles = new Map<string, messages.Pickle>();
  private readonly testCases = new Map<string, string>(); // testCase id -> pickle id
  private readonly started = new Map<string, string>(); // testCaseStarted id -> testCase id
  private readonly worst = new Map<string, string>(); // testCaseStarted id -> worst step status
  private readonly verdicts = new Map<string, Applicability>(); // testCaseStarted id -> verdict
  private readonly lastAttempt = new Map<string, string>(); // pickle id -> last testCaseStarted id
  // Claims named by any scenario of the features read, run in this pass or filtered out.
  private readonly claimsWithScenarios = new Set<string>();
  private readonly reportsDir: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(options: IFormatterOptions) {
    super(options);
    this.reportsDir = resolve(options.cwd, process.env['KCK_REPORTS_DIR'] ?? 'reports');
    options.eventBroadcaster.on('envelope', (envelope: messages.Envelope) => this.onEnvelope(envelope));
  }

  private onEnvelope(e: messages.Envelope): void {
    if (e.gherkinDocument) {
      for (const id of claimIdsOf(tagsIn(e.gherkinDocument))) this.claimsWithScenarios.add(id);
    } else if (e.pickle) this.pickles.set(e.pickle.id, e.pickle);
    else if (e.testCase) this.testCases.set(e.testCase.id, e.testCase.pickleId);
    else if (e.testCaseStarted) this.started.set(e.testCaseStarted.id, e.testCaseStarted.testCaseId);
    else if (e.testStepFinished) {
      const status = e.testStepFinished.testStepResult.status;
      const id = e.testStepFinished.testCaseStartedId;
      const previous = this.worst.get(id);
      if (previous === undefined || rank(status) > rank(previous)) this.worst.set(id, status);
    } else if (e.attachment?.mediaType === STATUS_MEDIA_TYPE && e.attachment.testCaseStartedId !== undefined) {
      this.verdicts.set(e.attachment.testCaseStartedId, JSON.parse(e.attachment.body) as Applicability);
    } else if (e.testCaseFinished) {
      const testCaseId = this.started.get(e.testCaseFinished.testCaseStartedId);
      const pickleId = testCaseId === undefined ? undefined : this.testCases.get(testCaseId);
      if (pickleId !== undefined) this.lastAttempt.set(pickleId, e.testCaseFinished.testCaseStartedId);
    } else if (e.testRunFinished) {
      this.writing = this.write().catch((error: unknown) => this.log(`claims report not written: ${error instanceof Error ? error.message : String(error)}\n`));
    }
  }

  override async finished(): Promise<void> {
    await this.writing;
    await super.finished();
  }

  private scenarioResults(): ScenarioResult[] {
    const results: ScenarioResult[] = [];
    for (const [pickleId, startedId] of this.lastAttempt) {
      const pickle = this.pickles.get(pickleId)!;
      const worst = this.worst.get(startedId) ?? 'UNKNOWN';
      const verdict = this.verdicts.get(startedId);
      let status: ScenarioStatus;
      let reason: string | undefined;
      if (FAILING.has(worst)) status = 'failed';
      else if (worst === 'SKIPPED' && verdict !== undefined && verdict.status !== 'run') {
        status = verdict.status;
        reason = verdict.reason;
      } else if (worst === 'SKIPPED') {
        // Only the applicability hook may skip; anything else skipped is a defect to see.
        status = 'failed';
        reason = 'skipped without a reason';
      } else status = 'passed';
      results.push({
        name: pickle.name,
        uri: pickle.uri,
        line: pickle.location?.line ?? 0,
        tags: pickle.tags.map((t) => t.name),
        status,
        ...(reason === undefined ? {} : { reason }),
      });
    }
    return results;
  }

  private async write(): Promise<void> {
    const targetName = process.env['KCK_TARGET'] ?? 'reference';
    const label = runLabel(process.env);
    const target = await loadTarget(targetName).catch(() => undefined);
    const run: TargetRun = {
      target: { name: label, description: target?.description ?? targetName, finishedAt: new Date().toISOString() },
      scenarios: this.scenarioResults(),
    };
    const catalogue = loadCatalogue();
    const targetsDir = join(this.reportsDir, 'targets');
    mkdirSync(targetsDir, { recursive: true });
    writeFileSync(join(targetsDir, `${label}.json`), JSON.stringify(run, null, 2));
    const runs = readdirSync(targetsDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(targetsDir, f), 'utf8')) as TargetRun);
    const report = buildClaimsReport(catalogue, runs, new Date(), this.claimsWithScenarios);
    validateAgainst('claims-report.schema.json', report);
    writeFileSync(join(this.reportsDir, 'claims.json'), JSON.stringify(report, null, 2));
    writeFileSync(join(this.reportsDir, 'claims.md'), renderMarkdown(report));
    writeFileSync(join(this.reportsDir, 'claims.html'), renderHtml(report));
    const problems = taggingProblems(catalogue, run.scenarios);
    if (problems.length > 0) this.log(`claim tagging problems:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  }
}

/** Every tag name in a Gherkin document: feature, rule, scenario and examples tags. */
function tagsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(tagsIn);
  if (typeof node !== 'object' || node === null) return [];
  const own = Array.isArray((node as { tags?: unknown }).tags) ? ((node as { tags: Array<{ name?: unknown }> }).tags).flatMap((t) => (typeof t.name === 'string' ? [t.name] : [])) : [];
  return [...own, ...Object.entries(node).filter(([key]) => key !== 'tags').flatMap(([, value]) => tagsIn(value))];
}

function rank(status: string): number {
  return ['PASSED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'UNKNOWN', 'FAILED'].indexOf(status);
}
