import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createCertificateAuthority } from './pki.ts';

test('issues certificates that chain to the authority and carry names and groups', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-pki-'));
  try {
    const ca = await createCertificateAuthority(dir, 'kck-test-ca');
    const server = await ca.issue({ name: 'server', commonName: 'apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server' });
    const client = await ca.issue({ name: 'client', commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
    const caCert = new X509Certificate(ca.certPem);
    const serverCert = new X509Certificate(server.certPem);
    const clientCert = new X509Certificate(client.certPem);
    assert.ok(serverCert.verify(caCert.publicKey));
    assert.ok(clientCert.verify(caCert.publicKey));
    assert.match(serverCert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(clientCert.subject, /O=system:nodes/);
    assert.match(clientCert.subject, /CN=system:node:n1/);

    // A real TLS handshake with mutual authentication proves the usages are right.
    const https = createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.end(peer.subject.CN);
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    try {
      const port = (https.address() as AddressInfo).port;
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(body, 'system:node:n1');
    } finally {
      https.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('issues one name many times at once, each time a certificate with its own key', async () => {
  // Nodes that start side by side each ask for the shared kube-proxy identity; one openssl
  // run must never read a request file that another is still writing.
  const dir = await mkdtemp(join(tmpdir(), 'kck-pki-'));
  try {
    const ca = await createCertificateAuthority(dir, 'kck-test-ca');
    const caCert = new X509Certificate(ca.certPem);
    const issued = await Promise.all(Array.from({ length: 6 }, () => ca.issue({ name: 'shared', commonName: 'system:kube-proxy', usage: 'client' })));
    for (const one of issued) {
      const cert = new X509Certificate(one.certPem);
      assert.ok(cert.verify(caCert.publicKey));
      assert.ok(cert.checkPrivateKey(createPrivateKey(one.keyPem)), 'the key returned is the certificate\'s');
    }
    assert.equal(new Set(issued.map((i) => new X509Certificate(i.certPem).serialNumber)).size, issued.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
