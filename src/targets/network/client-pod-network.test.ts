import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
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
