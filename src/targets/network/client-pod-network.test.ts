import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { udpHelper } from '../../../reference/workloads/udp-helper.ts';
import { parseReplies, probeScript } from './client-pod-network.ts';

test('the probe script dials with busybox nc and marks replies and failures', async () => {
  // Runs the very script a client Pod runs, with the machine's busybox as its only userland.
  const bin = await mkdtemp(join(tmpdir(), 'kck-busybox-'));
  const server = createServer((s) => s.end('pod-a\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    for (const tool of ['sh', 'nc', 'seq', 'head', 'echo']) await symlink('/bin/busybox', join(bin, tool));
    const port = (server.address() as AddressInfo).port;
    const script = `${probeScript('127.0.0.1', port, 3, 2)}; ${probeScript('127.0.0.1', 1, 1, 1)}`;
    const { stdout } = await promisify(execFile)(join(bin, 'sh'), ['-c', script], { env: { PATH: bin }, timeout: 20_000 });
    assert.deepEqual(parseReplies(`noise\n${stdout}`), ['pod-a', 'pod-a', 'pod-a', '!failed']);
  } finally {
    server.close();
    await rm(bin, { recursive: true, force: true });
  }
});

test('the UDP probe script dials with the image\'s kck-udp and marks replies and failures', async () => {
  const bin = await mkdtemp(join(tmpdir(), 'kck-busybox-'));
  const server = createSocket('udp4');
  server.on('message', (_msg, rinfo) => server.send('pod-u\n', rinfo.port, rinfo.address));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  try {
    for (const tool of ['sh', 'seq', 'head', 'echo']) await symlink('/bin/busybox', join(bin, tool));
    await writeFile(join(bin, 'kck-udp'), udpHelper(), { mode: 0o755 });
    const port = server.address().port;
    // A port nobody serves: bound, then released.
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    const silentPort = silent.address().port;
    await new Promise<void>((r) => silent.close(() => r()));
    const script = `${probeScript('127.0.0.1', port, 3, 2, 'udp')}; ${probeScript('127.0.0.1', silentPort, 1, 1, 'udp')}`;
    const { stdout } = await promisify(execFile)(join(bin, 'sh'), ['-c', script], { env: { PATH: bin }, timeout: 20_000 });
    assert.deepEqual(parseReplies(stdout), ['pod-u', 'pod-u', 'pod-u', '!failed']);
  } finally {
    server.close();
    await rm(bin, { recursive: true, force: true });
  }
});
