import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describePod, logLinesNaming } from './failure-snapshot.ts';

test('a Pod is described by its node, phase, failing conditions and container states', () => {
  const line = describePod({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web-1' },
    spec: { nodeName: 'node-2' },
    status: {
      phase: 'Pending',
      podIP: '10.244.2.7',
      conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [{ name: 'app', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    },
  });
  assert.equal(line, 'pod web-1 on node-2 ip 10.244.2.7: Pending Ready=False(ContainersNotReady) [app:waiting(CrashLoopBackOff) restarts=2]');
  assert.equal(describePod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }), 'pod p on (no node): no phase [no container statuses]');
});

test('component log lines naming the namespace are quoted from every *.log at any depth, the last ones of each', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-snapshot-'));
  try {
    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'kube-apiserver.log'), 'boot\nGET /api/v1/namespaces/kck-a/pods 200\n');
    await writeFile(join(dir, 'logs', 'kubelet-node-1.log'), Array.from({ length: 20 }, (_, i) => `pod kck-a/web-${i}: runSandbox`).join('\n'));
    await writeFile(join(dir, 'logs', 'notes.txt'), 'kck-a is not a log\n');
    const lines = await logLinesNaming(dir, 'kck-a', 3);
    assert.deepEqual(lines, [
      'kube-apiserver.log: GET /api/v1/namespaces/kck-a/pods 200',
      'logs/kubelet-node-1.log: pod kck-a/web-17: runSandbox',
      'logs/kubelet-node-1.log: pod kck-a/web-18: runSandbox',
      'logs/kubelet-node-1.log: pod kck-a/web-19: runSandbox',
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
