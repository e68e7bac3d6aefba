/* eslint-disable no-restricted-imports -- a test of the pure core reads its scripts from disk; the core itself stays pure */
// Data-driven scripts in testdata/*.txt: exact message traces for elections, replication,
// partitions, reads, transfers and membership. RAFT_REWRITE=1 regenerates the expectations
// (review the diff before committing).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ScriptRunner } from './testing/script-runner.ts';

const dir = fileURLToPath(new URL('./testdata', import.meta.url));

for (const name of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
  test(`script ${name}`, () => {
    const path = join(dir, name);
    const script = readFileSync(path, 'utf8');
    const actual = new ScriptRunner().run(script);
    // eslint-disable-next-line no-restricted-globals
    if (process.env['RAFT_REWRITE'] === '1') writeFileSync(path, actual);
    else assert.equal(actual, script);
  });
}
