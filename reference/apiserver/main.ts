/**
 * kube-apiserver, reference edition: `kck apiserver` with upstream's flags.
 * Logs `listening on https://IP:PORT` on stderr once it serves.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCertificateAuthority } from '../../src/pki/pki.ts';
import { parsePortRange } from './core/allocator.ts';
import { parseTokenFile } from './shell/authn.ts';
import type { AuthorizationMode } from './shell/authorize.ts';
import { startApiServer } from './shell/apiserver.ts';

const FLAGS = [
  'etcd-servers', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile', 'etcd-prefix', 'bind-address', 'secure-port', 'tls-cert-file',
  'tls-private-key-file', 'client-ca-file', 'token-auth-file', 'authorization-mode', 'service-cluster-ip-range', 'service-node-port-range',
  'advertise-address', 'watch-bookmark-interval', 'default-watch-cache-size',
] as const;
type Flag = (typeof FLAGS)[number];

export function parseFlags(argv: readonly string[]): Map<Flag, string> {
  const out = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)) as Flag;
    if (!FLAGS.includes(name)) throw new Error(`unknown flag: --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`flag needs an argument: --${name}`);
    out.set(name, value);
  }
  return out;
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} kube-apiserver: ${line}\n`);
}

export async function main(argv: string[]): Promise<void> {
  const flags = parseFlags(argv);
  const etcdServers = (flags.get('etcd-servers') ?? '').split(',').filter((s) => s !== '');
  if (etcdServers.length === 0) throw new Error('--etcd-servers must be specified');
  const modes = (flags.get('authorization-mode') ?? 'AlwaysAllow').split(',').map((m) => m.trim()) as AuthorizationMode[];
  for (const m of modes) if (!['Node', 'RBAC', 'AlwaysAllow', 'AlwaysDeny'].includes(m)) throw new Error(`unknown authorization mode ${m}`);
  const bindAddress = flags.get('bind-address') ?? '0.0.0.0';
  let certPem: string;
  let keyPem: string;
  let scratch: string | undefined;
  const certFile = flags.get('tls-cert-file');
  const keyFile = flags.get('tls-private-key-file');
  if (certFile !== undefined && keyFile !== undefined) {
    certPem = await readFile(certFile, 'utf8');
    keyPem = await readFile(keyFile, 'utf8');
  } else {
    // Like upstream without --tls-cert-file: a self-signed serving certificate.
    scratch = await mkdtemp(join(tmpdir(), 'kck-apiserver-'));
    const ca = await createCertificateAuthority(scratch, 'kck-apiserver-self-signed');
    const cert = await ca.issue({ name: 'apiserver', commonName: 'kube-apiserver', dnsNames: ['localhost', 'kubernetes', 'kubernetes.default'], ipAddresses: ['127.0.0.1', ...(bindAddress !== '0.0.0.0' ? [bindAddress] : [])], usage: 'server' });
    certPem = cert.certPem;
    keyPem = cert.keyPem;
  }
  const etcdCa = flags.get('etcd-cafile');
  const etcdCert = flags.get('etcd-certfile');
  const etcdKey = flags.get('etcd-keyfile');
  const clientCa = flags.get('client-ca-file');
  const tokenFile = flags.get('token-auth-file');
  const server = await startApiServer({
    etcdServers,
    ...(etcdCa !== undefined
      ? { etcdTls: { caPem: await readFile(etcdCa, 'utf8'), ...(etcdCert !== undefined ? { certPem: await readFile(etcdCert, 'utf8') } : {}), ...(etcdKey !== undefined ? { keyPem: await readFile(etcdKey, 'utf8') } : {}) } }
      : {}),
    etcdPrefix: (flags.get('etcd-prefix') ?? '/registry').replace(/\/$/, ''),
    bindAddress,
    securePort: Number(flags.get('secure-port') ?? '6443'),
    tlsCertPem: certPem,
    tlsKeyPem: keyPem,
    ...(clientCa !== undefined ? { clientCaPem: await readFile(clientCa, 'utf8') } : {}),
    tokens: tokenFile !== undefined ? parseTokenFile(await readFile(tokenFile, 'utf8')) : new Map(),
    authorizationModes: modes,
    serviceClusterIpRange: flags.get('service-cluster-ip-range') ?? '10.96.0.0/16',
    serviceNodePortRange: parsePortRange(flags.get('service-node-port-range') ?? '30000-32767'),
    advertiseAddress: flags.get('advertise-address') ?? (bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress),
    bookmarkIntervalMs: Number(flags.get('watch-bookmark-interval') ?? '5') * 1000,
    watchCacheSize: Number(flags.get('default-watch-cache-size') ?? '10000'),
    log,
  });
  log(`listening on ${server.url.replace('https://', `https://`)}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log(`received ${signal}, shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await server.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  log('stopped');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      log(`fatal: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
