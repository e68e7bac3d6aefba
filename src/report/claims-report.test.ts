import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClaimsReport, type ScenarioResult, type TargetRun } from './claims-report.ts';
import type { Claim } from './claims-catalogue.ts';

const claim = (id: string): Claim => ({ id, slide: 1, statement: `claim ${id}`, components: ['etcd'], capabilities: [] });

function run(name: string, scenarios: Array<Pick<ScenarioResult, 'tags' | 'status'> & { line: number }>): TargetRun {
  return {
    target: { name, description: name, finishedAt: '2026-12-01T00:00:00.000Z' },
    scenarios: scenarios.map((s) => ({ name: `scenario ${s.line}`, uri: 'features/x.feature', ...s })),
  };
}

test('a pass over a subset has no result for claims it ran none of, and does not count them', () => {
  const full = run('reference', [
    { line: 1, tags: ['@S1.1'], status: 'passed' },
    { line: 2, tags: ['@S1.2'], status: 'passed' },
  ]);
  const subset = run('etcd(etcd=external)', [{ line: 2, tags: ['@S1.2'], status: 'failed' }]);
  const report = buildClaimsReport([claim('S1.1'), claim('S1.2'), claim('S1.3')], [full, subset], new Date(0));
  const byId = new Map(report.claims.map((c) => [c.id, c.results]));
  assert.deepEqual(byId.get('S1.1'), { reference: 'passed' }, 'S1.1 ran only in the full run');
  assert.deepEqual(byId.get('S1.2'), { reference: 'passed', 'etcd(etcd=external)': 'failed' });
  assert.deepEqual(byId.get('S1.3'), { reference: 'uncovered', 'etcd(etcd=external)': 'uncovered' }, 'no scenario anywhere: uncovered on every run');
  assert.equal(report.totals['etcd(etcd=external)']!.all.failed, 1);
  assert.equal(report.totals['etcd(etcd=external)']!.all.passed, 0);
  assert.equal(report.totals['etcd(etcd=external)']!.all.uncovered, 1);
  assert.equal(report.totals['reference']!.all.passed, 2);
});

test('a claim fails on a run where any of its scenarios failed, and passes only if one ran and passed', () => {
  const r = run('t', [
    { line: 1, tags: ['@S1.1'], status: 'passed' },
    { line: 2, tags: ['@S1.1'], status: 'failed' },
    { line: 3, tags: ['@S1.2'], status: 'not-applicable' },
  ]);
  const report = buildClaimsReport([claim('S1.1'), claim('S1.2')], [r], new Date(0));
  assert.deepEqual(report.claims.map((c) => c.results['t']), ['failed', 'not-applicable']);
});

test('a claim the features name but no run ran is not run, not uncovered', () => {
  const subset = run('reference(proxy=ipvs)', [{ line: 1, tags: ['@S1.1'], status: 'passed' }]);
  const report = buildClaimsReport([claim('S1.1'), claim('S1.2'), claim('S1.3')], [subset], new Date(0), new Set(['S1.1', 'S1.2']));
  assert.deepEqual(report.claims.map((c) => c.results['reference(proxy=ipvs)']), ['passed', undefined, 'uncovered']);
  assert.equal(report.totals['reference(proxy=ipvs)']!.all.uncovered, 1);
});
