// Client certificates verified against --client-ca-file: CN is the user, O the groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority } from '../../../src/pki/pki.ts';
import { startHarness } from './harness.ts';

function get(url: string, cert?: { cert: string; key: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, agent: false, ...(cert ?? {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

void test('client certificates authenticate users and their groups', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-apiserver-certs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ca = await createCertificateAuthority(dir, 'test-ca');
  const admin = await ca.issue({ name: 'admin', commonName: 'cert-admin', organizations: ['system:masters'], usage: 'client' });
  const carol = await ca.issue({ name: 'carol', commonName: 'carol', organizations: ['devs'], usage: 'client' });
  const h = await startHarness({ extraFlags: ['--client-ca-file', ca.certPath] });
  t.after(() => h.stop());
  const url = `${h.urls[0] ?? ''}/api/v1/namespaces/default/configmaps`;
  const pem = async (c: { certPath: string; keyPath: string }) => ({ cert: await readFile(c.certPath, 'utf8'), key: await readFile(c.keyPath, 'utf8') });
  assert.equal(await get(url, await pem(admin)), 200);
  assert.equal(await get(url, await pem(carol)), 403);
  assert.equal(await get(url), 401);
});
