// Runs the features in every pass that `npm test` promises: the whole suite against the
// reference cluster (what `npx cucumber-js` runs), then the same scenarios again with one
// component swapped for another implementation: Debian's etcd, containerd, each other
// kube-proxy mode. Each pass files its results under its own run label (src/report/run-label.ts),
// so reports/claims.* show them side by side. Every pass runs even when one fails; the exit
// code is non-zero if any failed.
//
// Usage: node scripts/feature-passes.mjs [name...]   (default: every pass; `--list` names them)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const PASSES = [
  { name: 'reference', why: 'every feature on the embedded reference cluster', env: {}, args: [] },
  {
    name: 'etcd-external',
    why: "the etcd scenarios on Debian's etcd 3.4 (the same steps, a real etcd)",
    env: { KCK_TARGET: 'etcd', KCK_ETCD: 'external' },
    args: ['--tags', '@etcd'],
  },
  ...['userspace', 'ipvs', 'nftables'].map((mode) => ({
    name: `proxy-${mode}`,
    why: `the Service and kube-proxy scenarios with every kube-proxy in ${mode} mode`,
    env: { KCK_PROXY_MODE: mode },
    args: ['--tags', '@cap:kube-proxy'],
  })),
  {
    name: 'cri-containerd',
    why: 'the runtime scenarios on containerd (a private instance the kit starts)',
    env: { KCK_TARGET: 'cri', KCK_CRI: 'containerd' },
    args: ['--tags', '@cap:cri'],
  },
];

const wanted = process.argv.slice(2);
if (wanted.includes('--list')) {
  for (const p of PASSES) console.log(`${p.name.padEnd(16)} ${p.why}`);
  process.exit(0);
}
const unknown = wanted.filter((w) => !PASSES.some((p) => p.name === w));
if (unknown.length > 0) {
  console.error(`feature-passes: unknown pass ${unknown.join(', ')}; choose from ${PASSES.map((p) => p.name).join(', ')}`);
  process.exit(2);
}
const chosen = wanted.length === 0 ? PASSES : PASSES.filter((p) => wanted.includes(p.name));
const cucumber = createRequire(import.meta.url).resolve('@cucumber/cucumber/package.json').replace(/package\.json$/, 'bin/cucumber.js');

const outcomes = [];
for (const pass of chosen) {
  console.log(`\n=== feature pass ${pass.name}: ${pass.why}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [cucumber, ...pass.args], { stdio: 'inherit', env: { ...process.env, ...pass.env } });
  const seconds = Math.round((Date.now() - started) / 1000);
  const ok = result.status === 0;
  outcomes.push({ name: pass.name, ok, seconds });
  console.log(`=== feature pass ${pass.name}: ${ok ? 'passed' : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds} s`);
}

console.log('\nfeature passes:');
for (const o of outcomes) console.log(`  ${o.ok ? 'passed' : 'FAILED'}  ${o.name} (${o.seconds} s)`);
const failed = outcomes.filter((o) => !o.ok).length;
console.log(`feature passes: ${outcomes.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
