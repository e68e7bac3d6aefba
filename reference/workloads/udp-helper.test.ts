/**
 * The workload image's UDP side, run for real: the materialized image root (busybox + the
 * kck-udp helper) serves and dials on loopback the way the reference runtime runs it without
 * root (PATH into the image's bin), so the test needs neither root nor containerd.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { materializeRootfs } from './rootfs.ts';
import { UDP_HELPER_SOURCE, udpHelper } from './udp-helper.ts';

const run = promisify(execFile);

/** A port nothing listens on right now (bound, then released). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

void test('the helper is a static ELF binary', () => {
  const bin = udpHelper();
  assert.ok(bin.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])));
  // No program interpreter (PT_INTERP = 3) among the program headers: it needs no ld.so.
  const phoff = Number(bin.readBigUInt64LE(0x20));
  const phentsize = bin.readUInt16LE(0x36);
  const phnum = bin.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) assert.notEqual(bin.readUInt32LE(phoff + i * phentsize), 3, 'kck-udp is dynamically linked');
});

void test('serve-hostname answers UDP with the Pod name; udp-connect reads it and fails on a silent port', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kck-udp-rootfs-'));
  const port = await freeUdpPort();
  const env = { PATH: join(root, 'bin'), HOSTNAME: 'pod-u' };
  materializeRootfs(root);
  const server = spawn(join(root, 'bin', 'busybox'), ['sh', join(root, 'kck', 'workload'), 'serve-hostname', '--tcp', '0', '--http', '0', '--udp', String(port)], { env, stdio: 'ignore', detached: true });
  try {
    const workload = (...args: string[]) => run(join(root, 'bin', 'busybox'), ['sh', join(root, 'kck', 'workload'), ...args], { env, timeout: 20_000 });
    const { stdout } = await until('serve-hostname to answer over UDP', 20_000, () => workload('udp-connect', '127.0.0.1', String(port)));
    assert.equal(stdout, 'pod-u\n');
    // The reply comes from the address that was dialled, so a connected client on another
    // loopback address gets it too.
    assert.equal((await workload('udp-connect', '127.0.0.2', String(port), 'pod-u')).stdout, 'pod-u\n');
    await assert.rejects(workload('udp-connect', '127.0.0.1', String(port), 'someone-else'), /expected someone-else, got pod-u/);
    const silent = await freeUdpPort();
    await assert.rejects(workload('udp-connect', '127.0.0.1', String(silent)), /udp-connect to 127.0.0.1:\d+ failed/);
    await assert.rejects(run(join(root, 'bin', 'kck-udp'), ['dial', '127.0.0.1', String(silent), '500'], { env }), /Connection refused|no reply/);
    await assert.rejects(run(join(root, 'bin', 'kck-udp'), ['dial', 'not-an-ip', '1'], { env }), (e: { code?: number }) => e.code === 2);
  } finally {
    // The shell and its kck-udp child share a process group.
    try { process.kill(-server.pid!, 'SIGKILL'); } catch { /* already gone */ }
    await rm(root, { recursive: true, force: true });
  }
});

void test('without a C compiler the build fails with one clear line', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'kck-udp-cache-'));
  try {
    const script = `import(${JSON.stringify(new URL('./udp-helper.ts', import.meta.url).href)}).then((m) => m.udpHelper()).catch((e) => { console.error(e.message); process.exit(3); })`;
    const result = await run(process.execPath, ['--import', 'tsx', '-e', script], { env: { PATH: '/nonexistent', KCK_CACHE: cache, NODE_OPTIONS: '' }, cwd: join(UDP_HELPER_SOURCE, '..', '..', '..') }).then(() => undefined, (e: { code?: number; stderr?: string }) => e);
    assert.equal(result?.code, 3);
    assert.match(result.stderr ?? '', /^kck-udp: no C compiler \(cc\) on PATH .*install gcc and libc6-dev/);
    assert.equal(result.stderr?.trim().split('\n').length, 1);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});
