/**
 * The catalogue and the features agree with the specification: every claim of the shared
 * spec is catalogued, every catalogued claim has a scenario, and every scenario names a
 * known claim and only known capabilities.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AstBuilder, GherkinClassicTokenMatcher, Parser, compile } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';
import { CAPABILITIES } from '../src/ports/target.ts';
import { loadCatalogue } from '../src/report/claims-catalogue.ts';
import { claimIdsOf } from '../src/report/claims-report.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SPEC = join(ROOT, '..', 'shared', 'spec', 'claims.md');

function pickles(): Array<{ uri: string; name: string; tags: string[] }> {
  const dir = join(ROOT, 'features');
  const result: Array<{ uri: string; name: string; tags: string[] }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.feature'))) {
    const uri = `features/${file}`;
    const newId = IdGenerator.uuid();
    const document = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher()).parse(readFileSync(join(dir, file), 'utf8'));
    for (const p of compile({ ...document, uri }, uri, newId)) result.push({ uri, name: p.name, tags: p.tags.map((t) => t.name) });
  }
  return result;
}

test('every claim of the shared specification is in the catalogue, and nothing else', { skip: !existsSync(SPEC) && 'no ../shared/spec/claims.md beside the repository' }, () => {
  const specIds = [...readFileSync(SPEC, 'utf8').matchAll(/^- (S\d+\.\d+) /gm)].map((m) => m[1]!);
  assert.ok(specIds.length >= 40, `read only ${specIds.length} claim IDs from the spec`);
  assert.deepEqual(loadCatalogue().map((c) => c.id).sort(), [...specIds].sort());
});

test('every catalogued claim has at least one scenario', () => {
  const tagged = new Set(pickles().flatMap((p) => claimIdsOf(p.tags)));
  const uncovered = loadCatalogue().map((c) => c.id).filter((id) => !tagged.has(id));
  assert.deepEqual(uncovered, [], `claims without a scenario: ${uncovered.join(', ')}`);
});

test('every scenario names a catalogued claim and only known capabilities', () => {
  const known = new Set(loadCatalogue().map((c) => c.id));
  const problems: string[] = [];
  for (const p of pickles()) {
    const ids = claimIdsOf(p.tags);
    if (ids.length === 0) problems.push(`${p.uri} "${p.name}" names no claim`);
    for (const id of ids) if (!known.has(id)) problems.push(`${p.uri} "${p.name}" names unknown claim ${id}`);
    for (const t of p.tags) {
      if (t.startsWith('@cap:') && !(CAPABILITIES as readonly string[]).includes(t.slice(5))) problems.push(`${p.uri} "${p.name}" needs unknown capability ${t}`);
    }
  }
  assert.deepEqual(problems, []);
});
