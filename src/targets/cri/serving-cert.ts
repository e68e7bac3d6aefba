/**
 * A kubelet serving certificate signed by the cluster CA (openssl), so the apiserver, which
 * verifies kubelets with --kubelet-certificate-authority, accepts the log server.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function issueServingCert(dir: string, ca: { caCert: string; caKey: string }, nodeName: string, ip: string): { certFile: string; keyFile: string } {
  const keyFile = join(dir, 'kubelet.key');
  const csr = join(dir, 'kubelet.csr');
  const certFile = join(dir, 'kubelet.crt');
  const ext = join(dir, 'kubelet.ext');
  writeFileSync(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:${ip},DNS:${nodeName}\n`);
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/O=system:nodes/CN=system:node:${nodeName}`], { stdio: 'pipe' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', ca.caCert, '-CAkey', ca.caKey, '-set_serial', String(Date.now()), '-days', '2', '-extfile', ext, '-out', certFile], { stdio: 'pipe' });
  readFileSync(certFile);
  return { certFile, keyFile };
}
