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

// S4.4 hung here: a fault kill()ed an apiserver, then the cluster's clean-up stop()ped it
// again and waited forever for a second 'finish' of its already closed log.
void test('stop() after kill(), a second stop() and both at once all finish', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-mp-'));
  try {
    const killed = await startManagedProcess('killed', 'sleep', ['600'], join(dir, 'k.log'));
    await killed.kill();
    assert.equal(killed.exitStatus(), 'signal SIGKILL');
    await killed.stop(20_000);
    await killed.kill();

    const stopped = await startManagedProcess('stopped', 'sleep', ['600'], join(dir, 's.log'));
    await stopped.stop(20_000);
    await stopped.stop(20_000);
    assert.equal(stopped.exitStatus(), 'signal SIGTERM');

    const raced = await startManagedProcess('raced', 'sleep', ['600'], join(dir, 'r.log'));
    await Promise.all([raced.kill(), raced.stop(20_000), raced.stop(20_000)]);
    assert.ok(raced.exitStatus() !== undefined);
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

void test('a component dies with the process that started it, even when stop() never runs', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-mp-'));
  const { spawn } = await import('node:child_process');
  try {
    // A parent that starts a managed `sleep`, prints its PID, and is then SIGKILLed.
    const script = `import { startManagedProcess } from ${JSON.stringify(new URL('./managed-process.ts', import.meta.url).href)};
const p = await startManagedProcess('sleeper', 'sleep', ['600'], ${JSON.stringify(join(dir, 's.log'))});
process.stdout.write(String(p.pid) + '\\n'); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('\n')) resolve(Number(out.trim())); });
      parent.once('exit', () => reject(new Error('parent exited early')));
    });
    const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
    assert.ok(alive(childPid));
    parent.kill('SIGKILL');
    const end = Date.now() + 30_000;
    while (alive(childPid)) {
      if (Date.now() > end) { process.kill(childPid, 'SIGKILL'); assert.fail('the component outlived its parent'); }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('stop() after kill() returns: the owner may stop a crashed process again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-mp-'));
  try {
    const p = await startManagedProcess('victim', 'sh', ['-c', 'exec sleep 60'], join(dir, 'v.log'));
    await p.kill();
    assert.equal(p.exitStatus(), 'signal SIGKILL');
    // Before the fix the second stop waited forever for the log's 'finish' event.
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), 10_000); });
    const outcome = await Promise.race([p.stop().then(() => 'returned' as const), hung]);
    clearTimeout(timer);
    assert.equal(outcome, 'returned', 'stop() after kill() did not return within 10 s');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
