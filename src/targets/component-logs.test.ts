import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { folderLogs } from './component-logs.ts';

test('component log lines naming the namespace are quoted from every *.log at any depth, the last ones of each', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-snapshot-'));
  try {
    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'kube-apiserver.log'), 'boot\nGET /api/v1/namespaces/kck-a/pods 200\n');
    await writeFile(join(dir, 'logs', 'kubelet-node-1.log'), Array.from({ length: 20 }, (_, i) => `pod kck-a/web-${i}: runSandbox`).join('\n'));
    await writeFile(join(dir, 'logs', 'notes.txt'), 'kck-a is not a log\n');
    const lines = await folderLogs(dir).linesNaming('kck-a', 3);
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
