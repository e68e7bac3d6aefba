import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { staticConnection } from './kubeconfig-file.ts';
import { connectionFromKubeconfig } from './connection.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kck-kubeconfig-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function config(users: Array<{ name: string; user: object }>, contexts: Array<{ name: string; cluster: string; user: string }>, current: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'inline', cluster: { server: 'https://127.0.0.1:6443/', 'certificate-authority-data': b64('CA-INLINE') } },
      { name: 'files', cluster: { server: 'https://127.0.0.2:6443', 'certificate-authority': 'pki/ca.crt' } },
      { name: 'insecure', cluster: { server: 'https://127.0.0.3:6443', 'insecure-skip-tls-verify': true } },
    ],
    users,
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.cluster, user: c.user } })),
    'current-context': current,
  };
}

const users = [
  { name: 'certs', user: { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') } },
  { name: 'cert-files', user: { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key' } },
  { name: 'token', user: { token: 'abc.def' } },
  { name: 'token-file', user: { tokenFile: 'pki/token' } },
  { name: 'plugin', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true' } } },
];
const contexts = [
  { name: 'inline-certs', cluster: 'inline', user: 'certs' },
  { name: 'files', cluster: 'files', user: 'cert-files' },
  { name: 'insecure-token', cluster: 'insecure', user: 'token' },
  { name: 'token-file', cluster: 'inline', user: 'token-file' },
  { name: 'plugin', cluster: 'inline', user: 'plugin' },
];

test('static credentials are read from data fields, from files relative to the kubeconfig, and as tokens', async () => {
  await withDir(async (dir) => {
    await mkdir(join(dir, 'pki'));
    await writeFile(join(dir, 'pki', 'ca.crt'), 'CA-FILE');
    await writeFile(join(dir, 'pki', 'client.crt'), 'CERT-FILE');
    await writeFile(join(dir, 'pki', 'client.key'), 'KEY-FILE');
    await writeFile(join(dir, 'pki', 'token'), 'from-file\n');
    const path = join(dir, 'config');
    await writeFile(path, stringify(config(users, contexts, 'inline-certs')));

    assert.deepEqual(await staticConnection(path), { server: 'https://127.0.0.1:6443', caPem: 'CA-INLINE', certPem: 'CERT', keyPem: 'KEY' });
    assert.deepEqual(await staticConnection(path, 'files'), { server: 'https://127.0.0.2:6443', caPem: 'CA-FILE', certPem: 'CERT-FILE', keyPem: 'KEY-FILE' });
    assert.deepEqual(await staticConnection(path, 'insecure-token'), { server: 'https://127.0.0.3:6443', token: 'abc.def', insecureSkipTlsVerify: true });
    assert.deepEqual(await staticConnection(path, 'token-file'), { server: 'https://127.0.0.1:6443', caPem: 'CA-INLINE', token: 'from-file' });
    assert.equal(await staticConnection(path, 'plugin'), undefined, 'a plugin user is left to the full implementation');
  });
});

test('for static credentials the reader agrees with @kubernetes/client-node', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'config');
    await writeFile(path, stringify(config(users, contexts, 'inline-certs')));
    for (const context of ['inline-certs', 'insecure-token']) {
      const kc = new KubeConfig();
      kc.loadFromFile(path);
      kc.setCurrentContext(context);
      const opts: { ca?: Buffer; cert?: Buffer; key?: Buffer; headers?: Record<string, string> } = { headers: {} };
      await kc.applyToHTTPSOptions(opts as never);
      const mine = await connectionFromKubeconfig(path, context);
      assert.equal(mine.server, kc.getCurrentCluster()?.server.replace(/\/$/, ''));
      assert.equal(mine.caPem, opts.ca?.toString());
      assert.equal(mine.certPem, opts.cert?.toString());
      assert.equal(mine.keyPem, opts.key?.toString());
      assert.equal(mine.token === undefined ? undefined : `Bearer ${mine.token}`, opts.headers?.['Authorization']);
    }
  });
});

test('a kubeconfig without a current context, or naming a missing context, fails with the file named', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'config');
    await writeFile(path, stringify(config(users, contexts, '')));
    await assert.rejects(staticConnection(path), new RegExp(`kubeconfig ${path} has no current cluster`));
    await assert.rejects(staticConnection(path, 'nope'), /no context named "nope"/);
    await writeFile(path, '');
    await assert.rejects(staticConnection(path), /is empty or not a mapping/);
  });
});
