// `npm run test:upstream` (issue 9, "Fidelity"): runs the features on upstream Kubernetes and
// on the two mixed control planes, one cucumber-js pass each (in the style of
// feature-passes.mjs), then writes reports/fidelity.md: the claim table of the reference,
// upstream and each mix side by side (from reports/targets/<label>.json; the reference column
// is the last `npx cucumber-js` run on the reference, or this script's `reference` pass),
// plus every upstreamDifference of features/claims.yaml. Exits non-zero if a scenario that
// applied to a pass failed there (or a pass could not run at all).
//
// Usage: node scripts/upstream-passes.mjs [pass...]   (default: upstream and both mixes;
//        `reference` adds a reference pass; `--report-only` only rewrites fidelity.md; `--list`)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { register } from 'tsx/esm/api';

const PASSES = [
  { name: 'reference', why: 'every feature on the embedded reference cluster (the column the others are compared with)', env: { KCK_TARGET: 'reference' }, optional: true },
  { name: 'upstream', why: 'every feature on upstream kube-apiserver, scheduler and controller-manager with reference nodes', env: { KCK_TARGET: 'upstream' } },
  { name: 'upstream-apiserver+reference-controllers', why: 'the upstream apiserver with the reference scheduler and controller-manager', env: { KCK_TARGET: 'upstream-apiserver+reference-controllers' } },
  { name: 'reference-apiserver+upstream-controllers', why: 'the reference apiserver with the upstream scheduler and controller-manager', env: { KCK_TARGET: 'reference-apiserver+upstream-controllers' } },
];

const args = process.argv.slice(2);
if (args.includes('--list')) {
  for (const p of PASSES) console.log(`${p.name.padEnd(42)} ${p.why}${p.optional ? ' (only when named)' : ''}`);
  process.exit(0);
}
const reportOnly = args.includes('--report-only');
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((w) => !PASSES.some((p) => p.name === w));
if (unknown.length > 0) {
  console.error(`upstream-passes: unknown pass ${unknown.join(', ')}; choose from ${PASSES.map((p) => p.name).join(', ')}`);
  process.exit(2);
}
const chosen = reportOnly ? [] : wanted.length === 0 ? PASSES.filter((p) => !p.optional) : PASSES.filter((p) => wanted.includes(p.name));
const reportsDir = resolve(process.env.KCK_REPORTS_DIR ?? 'reports');
const cucumber = createRequire(import.meta.url).resolve('@cucumber/cucumber/package.json').replace(/package\.json$/, 'bin/cucumber.js');

const outcomes = [];
for (const pass of chosen) {
  console.log(`\n=== upstream pass ${pass.name}: ${pass.why}`);
  const started = Date.now();
  // The run label (src/report/run-label.ts) of a pass is its target's name: the column.
  // Each pass keeps cucumber's own reports in a folder of its own, as in feature-passes.mjs.
  const env = { ...process.env, ...pass.env, KCK_REPORTS_DIR: reportsDir, KCK_RUN_NAME: pass.name, KCK_CUCUMBER_REPORTS_DIR: join(reportsDir, 'passes', pass.name) };
  const result = spawnSync(process.execPath, [cucumber], { stdio: 'inherit', env });
  outcomes.push({ name: pass.name, status: result.status, signal: result.signal, seconds: Math.round((Date.now() - started) / 1000) });
}

register();
const { loadCatalogue } = await import('../src/report/claims-catalogue.ts');
const { renderFidelity, FIDELITY_COLUMNS, scenarioCounts } = await import('../src/report/fidelity-render.ts');
const runs = new Map();
for (const column of FIDELITY_COLUMNS) {
  const file = join(reportsDir, 'targets', `${column.label}.json`);
  if (existsSync(file)) runs.set(column.label, JSON.parse(readFileSync(file, 'utf8')));
}
mkdirSync(reportsDir, { recursive: true });
const out = join(reportsDir, 'fidelity.md');
writeFileSync(out, renderFidelity(loadCatalogue(), runs, new Date()));
if (reportOnly) {
  console.log(`upstream passes: wrote ${out}`);
  process.exit(0);
}
console.log(`\nupstream passes (report: ${out}):`);
let failed = 0;
for (const o of outcomes) {
  const run = runs.get(o.name);
  const failures = run?.scenarios.filter((s) => s.status === 'failed').length ?? 0;
  // A pass that could not start writes no (new) run: its exit code still counts.
  const ok = o.status === 0 && failures === 0;
  if (!ok) failed += 1;
  console.log(`  ${ok ? 'passed' : 'FAILED'}  ${o.name} (${o.seconds} s${o.status === 0 ? '' : `, exit ${o.status ?? o.signal}`}): ${run ? scenarioCounts(run) : 'no report'}`);
}
console.log(`upstream passes: ${outcomes.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
