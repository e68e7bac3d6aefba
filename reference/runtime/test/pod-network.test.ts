/**
 * Sandbox namespaces outlive a killed runtime only until the next runtime on the same root
 * (or whoever removes the node) deletes what the first one recorded.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitUntil } from '../../../src/targets/etcd/wait-until.ts';
import { netnsName, PodNetwork, removeRecordedPodNetworks } from '../shell/pod-network.ts';

const root = process.getuid?.() === 0;

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n !== '');
}

test('a killed runtime\'s sandbox namespaces are deleted by the next runtime on its root, and by node removal', { skip: !root && 'needs root for network namespaces' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-podnet-'));
  const bridge = `kckt${randomBytes(3).toString('hex')}`;
  const options = { podCidr: '10.91.7.0/24', bridge, mode: 'netns' as const, root: dir };
  const first = new PodNetwork(options);
  try {
    await first.init();
    const a = randomBytes(16).toString('hex');
    const b = randomBytes(16).toString('hex');
    await first.setUp(a, false);
    await first.setUp(b, false);
    assert.ok(namespaces().includes(netnsName(a)) && namespaces().includes(netnsName(b)), 'both sandboxes have a namespace');
    // The first runtime "dies" here: no tearDown. Its successor on the same root cleans up.
    const second = new PodNetwork(options);
    await second.init();
    assert.deepEqual(namespaces().filter((n) => n === netnsName(a) || n === netnsName(b)), [], 'the successor deleted the leftovers');
    const c = randomBytes(16).toString('hex');
    await second.setUp(c, false);
    await removeRecordedPodNetworks(dir);
    assert.ok(!namespaces().includes(netnsName(c)), 'node removal deletes what is recorded');
    await second.close();
  } finally {
    // The first created the bridge, so closing it deletes the bridge.
    await first.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a sandbox torn down while a process still holds its namespace leaves no interface behind on the bridge', { skip: !root && 'needs root for network namespaces' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-podnet-'));
  const bridge = `kckt${randomBytes(3).toString('hex')}`;
  const network = new PodNetwork({ podCidr: '10.91.8.0/24', bridge, mode: 'netns', root: dir });
  const stray = { pid: 0 };
  try {
    await network.init();
    const id = randomBytes(16).toString('hex');
    const sandbox = await network.setUp(id, false);
    // A process left in the namespace (a stray child, a killed runtime's container) keeps it
    // alive after its name is deleted.
    const child = spawn('ip', ['netns', 'exec', netnsName(id), 'sleep', '60'], { stdio: 'ignore' });
    stray.pid = child.pid ?? 0;
    await waitUntil('the stray process in the namespace', async () => execFileSync('ip', ['netns', 'pids', netnsName(id)], { encoding: 'utf8' }).trim() !== '', { timeoutMs: 10_000 });
    await network.tearDown(id, sandbox);
    const onBridge = execFileSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).trim();
    assert.equal(onBridge, '', 'no veth of the sandbox is left on the bridge');
    assert.ok(!namespaces().includes(netnsName(id)), 'the namespace name is gone');
    await waitUntil('the stray process to be killed', async () => child.exitCode !== null || child.signalCode !== null, { timeoutMs: 10_000 });
  } finally {
    if (stray.pid > 0) try { process.kill(stray.pid, 'SIGKILL'); } catch { /* gone */ }
    await network.close();
    await rm(dir, { recursive: true, force: true });
  }
});
