import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Cri } from '../../../src/ports/cri.ts';
import type { PodJson } from '../core/pod-types.ts';
import { ProbeRunner } from '../shell/probe-runner.ts';
import { waitUntil } from '../../../src/targets/etcd/wait-until.ts';

function podProbing(port: number): PodJson {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
    spec: { containers: [{ name: 'app', image: 'x', readinessProbe: { tcpSocket: { port }, periodSeconds: 1 } }] },
  } as PodJson;
}

test('a failed TCP probe is reported with the dial error, a successful one flips readiness', async () => {
  // A port that was just free: nothing listens there.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const failures: string[] = [];
  const runner = new ProbeRunner({} as Cri, (pod, container, kind, detail) => failures.push(`${pod.metadata.name}/${container} ${kind}: ${detail}`));
  const running = new Map([['app', { id: 'c1', startedAt: 0 }]]);
  runner.tick(podProbing(port), running, '127.0.0.1', Date.now());
  await waitUntil('a probe failure', async () => failures.length > 0, { timeoutMs: 10_000, intervalMs: 20 });
  assert.deepEqual(failures, [`web/app readiness: dial tcp 127.0.0.1:${port}: connect: connection refused`]);
  assert.equal(runner.tracker('u1').state('app', 'readiness'), false);

  const open = createServer((s) => s.destroy());
  await new Promise<void>((r) => open.listen(0, '127.0.0.1', r));
  try {
    const other = (open.address() as AddressInfo).port;
    const pod = { ...podProbing(other), metadata: { name: 'web2', namespace: 'ns', uid: 'u2' } };
    runner.tick(pod, running, '127.0.0.1', Date.now());
    await waitUntil('web2 ready', async () => runner.tracker('u2').state('app', 'readiness') === true, { timeoutMs: 10_000, intervalMs: 20 });
    assert.equal(failures.length, 1, 'a successful probe reports nothing');
  } finally {
    await new Promise<void>((r) => open.close(() => r()));
  }
});
