/** Bad input to kck and its components: one line on stderr, a non-zero exit, no stack. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const KCK = fileURLToPath(new URL('../../bin/kck.mjs', import.meta.url));

function kck(...args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [KCK, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stderr: run.stderr };
}

const cases: Array<{ args: string[]; message: RegExp; status: number }> = [
  { args: ['no-such-command'], message: /^kck: unknown command "no-such-command"/, status: 2 },
  { args: ['kubelet', '--no-such-flag'], message: /^kck: kubelet: Unknown option '--no-such-flag'/, status: 1 },
  { args: ['kubelet'], message: /^kck: kubelet: --kubeconfig is required/, status: 1 },
  { args: ['kubelet', '--kubeconfig', '/nonexistent/kubeconfig'], message: /^kck: kubelet: ENOENT: .*\/nonexistent\/kubeconfig/, status: 1 },
  { args: ['scheduler', '--kubeconfig', '/nonexistent/kubeconfig'], message: /^kck: scheduler: ENOENT/, status: 1 },
];

for (const c of cases) {
  test(`kck ${c.args.join(' ')} fails in one line`, { timeout: 40_000 }, () => {
    const run = kck(...c.args);
    assert.equal(run.status, c.status, run.stderr);
    const lines = run.stderr.split('\n').filter((l) => l.trim() !== '' && !/DeprecationWarning|--trace-deprecation/.test(l));
    assert.equal(lines.length, 1, `one line, got:\n${run.stderr}`);
    assert.match(lines[0] ?? '', c.message);
  });
}
