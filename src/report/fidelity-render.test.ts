import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Claim } from './claims-catalogue.ts';
import type { ScenarioResult, TargetRun } from './claims-report.ts';
import { anyFailed, renderFidelity } from './fidelity-render.ts';

const claim = (id: string, extra: Partial<Claim> = {}): Claim => ({ id, slide: 1, statement: `claim ${id}`, components: ['kube-apiserver'], capabilities: [], ...extra });

function run(name: string, scenarios: Array<Pick<ScenarioResult, 'tags' | 'status'> & { line: number; reason?: string }>): TargetRun {
  return {
    target: { name, description: `${name} target`, finishedAt: '2026-12-01T00:00:00.000Z' },
    scenarios: scenarios.map((s) => ({ name: `scenario ${s.line}`, uri: 'features/x.feature', ...s })),
  };
}

function row(markdown: string, id: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${id} |`));
  assert.ok(line !== undefined, `no row for ${id}`);
  return line.split(' | ').slice(2).map((c) => c.replace(/ \|$/, ''));
}

const catalogue = [
  claim('S1.1'),
  claim('S1.2', { upstreamDifference: { reason: 'upstream answers a whole unknown group with plain text', reference: 'https://kubernetes.io/docs/reference/using-api/api-concepts/' } }),
  claim('S1.3'),
];

test('claims stand side by side per run; missing runs and claims a run did not exercise say "not run"', () => {
  const runs = new Map<string, TargetRun>([
    ['reference', run('reference', [{ line: 1, tags: ['@S1.1'], status: 'passed' }, { line: 2, tags: ['@S1.2'], status: 'passed' }])],
    ['upstream', run('upstream', [{ line: 1, tags: ['@S1.1'], status: 'failed', reason: 'boom' }, { line: 2, tags: ['@S1.2'], status: 'not-applicable', reason: 'no nodes' }])],
    ['upstream-apiserver+reference-controllers', run('upstream-apiserver+reference-controllers', [{ line: 2, tags: ['@S1.2'], status: 'passed' }])],
  ]);
  const md = renderFidelity(catalogue, runs, new Date(0));
  // Columns: reference, upstream, upstream apiserver + reference controllers, reference apiserver + upstream controllers.
  assert.deepEqual(row(md, 'S1.1'), ['passed', 'FAILED', 'not run', 'not run']);
  assert.deepEqual(row(md, 'S1.2'), ['passed', 'n/a', 'passed', 'not run']);
  assert.deepEqual(row(md, 'S1.3'), ['UNCOVERED', 'UNCOVERED', 'UNCOVERED', 'not run']);
  assert.match(md, /reference apiserver \+ upstream controllers\*\* \(`reference-apiserver\+upstream-controllers`\): not run/);
  assert.match(md, /\*\*upstream\*\* \(`upstream`\): upstream target; .*scenarios: 1 FAILED, 1 n\/a/);
  assert.match(md, /- \*\*S1\.2\*\*: upstream answers a whole unknown group with plain text \(\[reference\]\(https:\/\/kubernetes\.io\/docs\/reference\/using-api\/api-concepts\/\)\)/);
  assert.match(md, /\| S1\.2 \| claim S1\.2 \(upstream differs, see below\) \|/);
  assert.match(md, /- upstream: scenario 1 \(features\/x\.feature:1\): boom/);
  assert.equal(anyFailed(runs), true);
});

test('a skipped or inapplicable scenario never shows as passed, and no failure means exit 0', () => {
  const runs = new Map<string, TargetRun>([['upstream', run('upstream', [{ line: 1, tags: ['@S1.1'], status: 'not-applicable' }, { line: 3, tags: ['@S1.3'], status: 'not-implemented' }])]]);
  const md = renderFidelity(catalogue, runs, new Date(0));
  assert.deepEqual(row(md, 'S1.1'), ['not run', 'n/a', 'not run', 'not run']);
  assert.deepEqual(row(md, 'S1.3'), ['not run', 'not implemented', 'not run', 'not run']);
  assert.match(md, /## Failed scenarios\n\nNone\./);
  assert.equal(anyFailed(runs), false);
});
