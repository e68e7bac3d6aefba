import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { docker } from './docker-cli.ts';
import { SESSION_LABEL } from './docker-teardown.ts';
import { eventually } from '../../world/eventually.ts';
import { dockerSkipReason } from './testing/docker-skip-reason.ts';

const noDocker = await dockerSkipReason();
/** SESSION_DIR of the helper process's session. */
const sessionDir = (session: string): string => join(tmpdir(), `kck-docker-${session}`);

test('SIGINT to a process holding a docker etcd cluster removes its containers and network', { skip: noDocker, timeout: 300_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing/hold-etcd-cluster.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let session: string | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => { const check = (): void => { if (/ready m1/.test(out)) resolve(); }; child.stdout.on('data', check); check(); }),
      exited.then((code) => { throw new Error(`helper exited (${code}) before the cluster was ready: ${err.slice(-500)}`); }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no cluster within 240 s: ${err.slice(-500)}`)), 240_000).unref()),
    ]);
    session = /session (\S+)/.exec(out)?.[1];
    assert.ok(session !== undefined);
    const filter = ['--filter', `label=${SESSION_LABEL}=${session}`];
    assert.notEqual((await docker(['ps', '-q', ...filter])).trim(), '', 'the member container runs');
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.equal(`${await docker(['ps', '-aq', ...filter])}${await docker(['network', 'ls', '-q', ...filter])}`.trim(), '', 'nothing of the interrupted session is left');
    assert.equal(existsSync(sessionDir(session)), false, 'the session\'s temporary folder is removed');
  } finally {
    child.kill('SIGKILL');
    if (session !== undefined) {
      const { removeOwned } = await import('./docker-cli.ts');
      await removeOwned(`${SESSION_LABEL}=${session}`);
    }
  }
});

test('a process holding a docker etcd cluster that is SIGKILLed leaves nothing behind (watchdog)', { skip: noDocker, timeout: 300_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing/hold-etcd-cluster.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let session: string | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => { const check = (): void => { if (/ready m1/.test(out)) resolve(); }; child.stdout.on('data', check); check(); }),
      exited.then(() => { throw new Error('helper exited before the cluster was ready'); }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no cluster within 240 s')), 240_000).unref()),
    ]);
    session = /session (\S+)/.exec(out)?.[1];
    const filter = ['--filter', `label=${SESSION_LABEL}=${session ?? '?'}`];
    child.kill('SIGKILL');
    await exited;
    await eventually('the watchdog to remove the session', async () => {
      assert.equal(`${await docker(['ps', '-aq', ...filter])}${await docker(['network', 'ls', '-q', ...filter])}`.trim(), '');
      assert.equal(existsSync(sessionDir(session ?? '?')), false, 'the session\'s temporary folder is removed');
    }, { timeoutMs: 60_000 });
  } finally {
    child.kill('SIGKILL');
    if (session !== undefined) {
      const { removeOwned } = await import('./docker-cli.ts');
      await removeOwned(`${SESSION_LABEL}=${session}`);
    }
  }
});
