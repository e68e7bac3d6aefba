import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startManagedProcess } from './managed-process.ts';

void test('logs output to its file and stops with SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-mp-'));
  try {
    const p = await startManagedProcess('sh', 'sh', ['-c', 'echo hello; exec sleep 60'], join(dir, 'sh.log'));
    const end = Date.now() + 20_000;
    while (!(await readFile(p.logPath, 'utf8')).includes('hello')) {
      assert.ok(Date.now() < end, 'no output arrived');
      await new Promise((r) => setTimeout(r, 50));
    }
    await p.stop(20_000);
    assert.equal(p.exitStatus(), 'signal SIGTERM');
    assert.match(await readFile(p.logPath, 'utf8'), /hello/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('kills a process that ignores SIGTERM once the deadline passes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-mp-'));
  try {
    // The trap is set before "ready" is printed, so SIGTERM cannot arrive before it.
    const p = await startManagedProcess('stubborn', 'sh', ['-c', "trap '' TERM; echo ready; while :; do sleep 1; done"], join(dir, 's.log'));
    const end = Date.now() + 20_000;
    while (!(await readFile(p.logPath, 'utf8')).includes('ready')) {
      assert.ok(Date.now() < end, 'the child never got ready');
      await new Promise((r) => setTimeout(r, 50));
    }
    await p.stop(500);
    assert.equal(p.exitStatus(), 'signal SIGKILL');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('reports a command that cannot be started', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-mp-'));
  try {
    await assert.rejects(startManagedProcess('nope', join(dir, 'no-such-binary'), [], join(dir, 'n.log')), /cannot start/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
