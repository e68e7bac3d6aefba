/**
 * A small public-key infrastructure for the kit and the reference cluster: one certificate
 * authority per cluster, and certificates for servers (apiserver, etcd) and clients
 * (components, kubelets, the kit). Node cannot create X.509 certificates, so this drives the
 * openssl command line, which every machine here has.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface IssuedCertificate {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

export interface CertificateRequest {
  /** File base name in the authority's folder, e.g. 'apiserver' gives apiserver.crt/.key. */
  name: string;
  commonName: string;
  /** Become the certificate's O= entries; Kubernetes reads them as groups. */
  organizations?: readonly string[];
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  usage: 'server' | 'client' | 'both';
  days?: number;
}

export interface CertificateAuthority {
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  issue(request: CertificateRequest): Promise<IssuedCertificate>;
}

function subject(commonName: string, organizations: readonly string[] = []): string {
  const escape = (v: string): string => v.replace(/[/\\=+,]/g, (c) => `\\${c}`);
  return organizations.map((o) => `/O=${escape(o)}`).join('') + `/CN=${escape(commonName)}`;
}

function extensions(request: CertificateRequest): string {
  const usages = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[request.usage];
  const sans = [...(request.dnsNames ?? []).map((d) => `DNS:${d}`), ...(request.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usages}`,
    ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
  ].join('\n');
}

export async function createCertificateAuthority(dir: string, commonName: string): Promise<CertificateAuthority> {
  await mkdir(dir, { recursive: true });
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '3650', '-subj', subject(commonName),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  const certPem = await readFile(certPath, 'utf8');
  let serial = 1;
  // Issues of one name share files; each waits for the one before it, so openssl never reads
  // a request or key that another issue is still writing.
  const lastIssueOf = new Map<string, Promise<unknown>>();

  function issue(request: CertificateRequest): Promise<IssuedCertificate> {
    const previous = lastIssueOf.get(request.name) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => issueNow(request));
    lastIssueOf.set(request.name, next);
    return next;
  }

  async function issueNow(request: CertificateRequest): Promise<IssuedCertificate> {
    const base = join(dir, request.name);
    const keyOut = `${base}.key`;
    const csrOut = `${base}.csr`;
    const certOut = `${base}.crt`;
    const extFile = `${base}.ext`;
    await writeFile(extFile, extensions(request));
    await run('openssl', [
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyOut, '-out', csrOut, '-subj', subject(request.commonName, request.organizations),
    ]);
    await run('openssl', [
      'x509', '-req', '-in', csrOut, '-CA', certPath, '-CAkey', keyPath, '-set_serial', String(++serial),
      '-days', String(request.days ?? 365), '-out', certOut, '-extfile', extFile,
    ]);
    return { certPath: certOut, keyPath: keyOut, certPem: await readFile(certOut, 'utf8'), keyPem: await readFile(keyOut, 'utf8') };
  }

  return { dir, certPath, keyPath, certPem, issue };
}
