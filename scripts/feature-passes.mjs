// Runs the features in every pass that `npm test` promises: the whole suite against the
// reference cluster (what `npx cucumber-js` runs), then the same scenarios again with one
// component swapped for another implementation: Debian's etcd, containerd, each other
// kube-proxy mode. Each pass files its results under its own run label (src/report/run-label.ts),
// so reports/claims.* show them side by side. Every pass runs even when one fails; the exit
// code is non-zero if any failed. A pass whose real component is not on this machine (or that
// needs root) is reported as not run, with what it needs; under CI it fails instead, since CI
// installs everything.
//
// Usage: node --import tsx scripts/feature-passes.mjs [name...]   (default: every pass; `--list` names them)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { runLabel } from '../src/report/run-label.ts';
import { failureSummary } from './failure-summary.mjs';

const isRoot = process.getuid?.() === 0;
const onPath = (binary) => (process.env.PATH ?? '').split(delimiter).some((dir) => {
  try { accessSync(join(dir, binary), constants.X_OK); return true; } catch { return false; }
});
const needsRoot = () => (isRoot ? undefined : 'needs root (network namespaces and the kernel data plane)');
const needsBinary = (binary, apt) => () => (onPath(binary) ? undefined : `needs ${binary} on PATH (apt-get install ${apt})`);
const needsDocker = () => {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 30_000 });
  return info.status === 0 ? undefined : 'needs a docker daemon (apt-get install docker.io, then start dockerd; see images/README.md)';
};
const needsUpstream = async () => {
  const { missingUpstreamBinaries, upstreamBinDir } = await import('../src/targets/upstream/upstream-binaries.ts');
  const missing = await missingUpstreamBinaries();
  return missing.length === 0 ? undefined : `needs the upstream ${missing.join(', ')} in ${upstreamBinDir()} (npm run upstream:build)`;
};

const PASSES = [
  // Two workers (each with its own shared cluster; @disruptive scenarios one at a time): most
  // scenarios wait on elections, leases and restarts, so this shortens CI by minutes. Measured
  // on 2 cores under load 5-17: 118 scenarios, 111 passed, 7 n/a in 12 min (one worker: 12.6
  // min unloaded). `npx cucumber-js` itself keeps one worker unless KCK_PARALLEL says otherwise.
  { name: 'reference', why: 'every feature on the embedded reference cluster', env: { KCK_PARALLEL: '2' }, args: [] },
  {
    name: 'etcd-external',
    why: "the etcd scenarios on Debian's etcd 3.4 (the same steps, a real etcd)",
    // Every scenario starts a cluster of its own (as in etcd-docker): two workers halve it.
    env: { KCK_TARGET: 'etcd', KCK_ETCD: 'external', KCK_PARALLEL: '2' },
    args: ['--tags', '@etcd'],
    lacks: needsBinary('etcd', 'etcd-server'),
  },
  ...['userspace', 'ipvs', 'nftables'].map((mode) => ({
    name: `proxy-${mode}`,
    why: `the Service and kube-proxy scenarios with every kube-proxy in ${mode} mode`,
    env: { KCK_PROXY_MODE: mode },
    args: ['--tags', '@cap:kube-proxy'],
    lacks: mode === 'userspace' ? () => undefined : needsRoot,
  })),
  // A cluster runs one IPVS scheduler (rr above); the scenarios for the others run on
  // clusters of their own.
  ...['lc', 'sh'].map((scheduler) => ({
    name: `proxy-ipvs-${scheduler}`,
    why: `the IPVS scheduler scenarios with every kube-proxy in ipvs mode with the ${scheduler} scheduler`,
    env: { KCK_PROXY_MODE: 'ipvs', KCK_IPVS_SCHEDULER: scheduler },
    args: ['--tags', '@S13.5 and @cap:proxy-mode-ipvs'],
    lacks: needsRoot,
  })),
  {
    name: 'cri-containerd',
    why: 'the runtime scenarios on containerd (a private instance the kit starts)',
    env: { KCK_TARGET: 'cri', KCK_CRI: 'containerd' },
    args: ['--tags', '@cap:cri'],
    lacks: () => needsRoot() ?? needsBinary('containerd', 'containerd runc containernetworking-plugins')(),
  },
  {
    name: 'nodes-containerd',
    why: 'the kubelet and Pod network scenarios with reference kubelets on containerd, under the upstream control plane',
    env: { KCK_TARGET: 'nodes', KCK_CRI: 'containerd' },
    args: ['--tags', '@cap:nodes and (@S2.1 or @S2.2 or @S8.1 or @S8.2 or @S8.3 or @S9.3 or @S11.1 or @S11.2)'],
    lacks: async () => needsRoot() ?? needsBinary('containerd', 'containerd runc containernetworking-plugins')() ?? (await needsUpstream()),
  },
  {
    name: 'upstream',
    why: 'every feature on the upstream control plane built from source, with reference nodes (fidelity: the features describe real Kubernetes)',
    // One worker: two saved ~20 s a pass (266 s against 284 s; its own-cluster scenarios
    // dominate) and one mix then failed a kube-proxy scenario (a client Pod got no reply in 30 s).
    env: { KCK_TARGET: 'upstream', KCK_RUN_NAME: 'upstream' },
    args: [],
    lacks: async () => needsRoot() ?? (await needsUpstream()),
  },
  // The mixed configurations (issue 9), every feature on each, with reference nodes: what `npm
  // run test:upstream` runs. Their labels are fidelity.md's columns.
  ...['upstream-apiserver+reference-controllers', 'reference-apiserver+upstream-controllers'].map((mix) => ({
    name: mix,
    why: `every feature on the ${mix.replace('+', ' with the ').replace(/-/g, ' ')}, with reference nodes`,
    env: { KCK_TARGET: mix, KCK_RUN_NAME: mix },
    args: [],
    lacks: async () => needsRoot() ?? (await needsUpstream()),
  })),
  {
    name: 'etcd-docker',
    why: "the etcd scenarios on clusters of containers (Debian's etcd 3.4 in kck/etcd, built locally)",
    // Two workers: every scenario has a cluster of its own and most of the time is spent waiting
    // (writes refused without a quorum, elections), so this halves the pass (~4 -> ~2 min).
    env: { KCK_TARGET: 'etcd', KCK_ETCD: 'docker', KCK_PARALLEL: '2' },
    args: ['--tags', '@etcd'],
    // Partitions are iptables rules entered into the members' network namespaces (nsenter).
    lacks: () => needsRoot() ?? needsDocker(),
  },
  {
    name: 'etcd-docker-reference',
    why: 'the etcd scenarios on clusters of reference etcd members in containers (kck/node-runtime)',
    env: { KCK_TARGET: 'etcd', KCK_ETCD: 'docker-reference', KCK_PARALLEL: '2' },
    args: ['--tags', '@etcd'],
    lacks: () => needsRoot() ?? needsDocker(),
  },
  {
    name: 'docker',
    why: 'the features with every component in a container of its own, one container per node (runtime, kubelet, kube-proxy) with the capabilities a node needs; its etcd scenarios are etcd-docker',
    env: { KCK_TARGET: 'docker' },
    args: ['--tags', 'not @etcd'],
    lacks: needsDocker,
  },
  {
    name: 'docker-containerd',
    why: "the kubelet and Pod network scenarios on node containers running Debian's containerd + runc (kck/node-containerd) under the reference kubelet",
    env: { KCK_TARGET: 'docker', KCK_CRI: 'containerd' },
    args: ['--tags', '@cap:nodes and (@S2.1 or @S2.2 or @S8.1 or @S8.2 or @S8.3 or @S9.3 or @S11.1 or @S11.2)'],
    // kck/node-containerd is built from this machine's containerd, runc and CNI plugins.
    lacks: () => needsDocker() ?? needsBinary('containerd', 'containerd runc containernetworking-plugins')(),
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

/**
 * Cucumber exits 0 when a step skips its scenario; the claim report counts a skip without a
 * reason as a failure, and so does a pass. Also fails a pass that wrote no claim results.
 */
function claimProblems(runFile, startedAt) {
  let run;
  try {
    run = JSON.parse(readFileSync(runFile, 'utf8'));
  } catch {
    return `no claim results in ${runFile}`;
  }
  if (Date.parse(run.target.finishedAt) < startedAt) return `the claim results in ${runFile} are older than this pass`;
  const failed = run.scenarios.filter((s) => s.status === 'failed');
  if (failed.length === 0) return undefined;
  return `${failed.length} scenario(s) failed in the claim report: ${failed.map((s) => `${s.name} (${s.reason ?? 'failed'})`).join('; ')}`;
}

const outcomes = [];
for (const pass of chosen) {
  console.log(`\n=== feature pass ${pass.name}: ${pass.why}`);
  const lack = await pass.lacks?.();
  if (lack !== undefined) {
    const ok = process.env.CI !== 'true';
    outcomes.push({ name: pass.name, ok, seconds: 0, note: lack });
    console.log(`=== feature pass ${pass.name}: ${ok ? 'not run' : 'FAILED'}: it ${lack}`);
    continue;
  }
  const started = Date.now();
  const reports = process.env.KCK_REPORTS_DIR ?? 'reports';
  const own = pass.name === 'reference' ? {} : { KCK_CUCUMBER_REPORTS_DIR: join(reports, 'passes', pass.name) };
  const result = spawnSync(process.execPath, [cucumber, ...pass.args], { stdio: 'inherit', env: { ...process.env, ...own, ...pass.env } });
  const seconds = Math.round((Date.now() - started) / 1000);
  const unsound = result.status === 0 ? claimProblems(join(reports, 'targets', `${runLabel({ ...process.env, ...pass.env })}.json`), started) : undefined;
  const ok = result.status === 0 && unsound === undefined;
  outcomes.push({ name: pass.name, ok, seconds, failures: ok ? [] : failureSummary(join(own.KCK_CUCUMBER_REPORTS_DIR ?? reports, 'cucumber.json')) });
  console.log(`=== feature pass ${pass.name}: ${ok ? 'passed' : `FAILED (${unsound ?? `exit ${result.status ?? result.signal}`})`} in ${seconds} s`);
}

// reports/fidelity.md: the reference and upstream columns side by side (the mixed control
// planes come from `npm run test:upstream`).
if (outcomes.some((o) => (o.name === 'upstream' || o.name.includes('+')) && o.note === undefined)) {
  spawnSync(process.execPath, [join(import.meta.dirname, 'upstream-passes.mjs'), '--report-only'], { stdio: 'inherit' });
}

console.log('\nfeature passes:');
for (const o of outcomes) {
  console.log(`  ${o.note !== undefined ? (o.ok ? 'not run' : 'FAILED') : o.ok ? 'passed' : 'FAILED'}  ${o.name} ${o.note !== undefined ? `(it ${o.note})` : `(${o.seconds} s)`}`);
  for (const line of o.failures ?? []) console.log(line);
}
const failed = outcomes.filter((o) => !o.ok).length;
const notRun = outcomes.filter((o) => o.ok && o.note !== undefined).length;
console.log(`feature passes: ${outcomes.length - failed - notRun} passed, ${failed} failed, ${notRun} not run`);
process.exit(failed === 0 ? 0 : 1);
