import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StartedTarget } from '../../ports/target.ts';
import { eventually } from '../../world/eventually.ts';
import { docker } from './docker-cli.ts';
import { SESSION, SESSION_LABEL } from './docker-teardown.ts';
import { dockerTarget } from './docker-target.ts';
import { dockerSkipReason } from './testing/docker-skip-reason.ts';

const noDocker = await dockerSkipReason();

test('the docker target runs the control plane in containers, reached on 127.0.0.1 only, and leaves nothing behind', { skip: noDocker, timeout: 600_000 }, async () => {
  const target = dockerTarget({ ...process.env, KCK_ETCD: 'docker' });
  let started: StartedTarget | undefined;
  try {
    started = await target.start();
    const s = started;
    const ns = await s.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kck-docker-probe' } });
    assert.equal(ns.metadata.name, 'kck-docker-probe');
    const components = await s.topology?.controlPlane() ?? [];
    assert.deepEqual(components.map((c) => c.component).sort(), ['cloud-controller-manager', 'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    const apiserver = components.find((c) => c.component === 'kube-apiserver');
    assert.match(apiserver?.healthUrl ?? '', /^https:\/\/127\.0\.0\.1:\d+\/livez$/);
    // Published ports are bound to loopback only.
    const ports = await docker(['ps', '--filter', `label=${SESSION_LABEL}=${SESSION}`, '--format', '{{.Ports}}']);
    for (const binding of ports.split(/[\n,]/).map((p) => p.trim()).filter((p) => p.includes('->'))) assert.match(binding, /^127\.0\.0\.1:/);
    // A crashed apiserver container comes back with the same address and data.
    await s.faults?.kill('kube-apiserver-1');
    await s.faults?.start('kube-apiserver-1');
    await eventually('the namespace after the restart', async () => {
      const back = await s.kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'kck-docker-probe' });
      assert.equal(back?.metadata.name, 'kck-docker-probe');
    }, { timeoutMs: 60_000 });
  } finally {
    await started?.stop();
  }
  const filter = ['--filter', `label=${SESSION_LABEL}=${SESSION}`];
  assert.equal(`${await docker(['ps', '-aq', ...filter])}${await docker(['network', 'ls', '-q', ...filter])}`.trim(), '');
});
