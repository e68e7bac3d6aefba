// Runs every *.test.ts under src/, reference/ and test/ with node:test (Node 20 has no --test globs).
// Extra arguments narrow the set to paths that contain one of them.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['src', 'reference', 'test']
  .flatMap(findTests)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no unit tests found');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${process.env.KCK_UNIT_CONCURRENCY ?? '2'}`, '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
