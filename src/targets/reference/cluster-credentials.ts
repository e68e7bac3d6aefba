/**
 * The credentials of a reference cluster: one CA; serving certificates for etcd and the
 * apiservers; an etcd client certificate that only the apiserver gets (S4.5); a bearer token
 * per identity (admin, each component, each kubelet) in the apiserver's token file, in the
 * upstream --token-auth-file format; a kubeconfig per identity.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeconfigYaml, type Connection } from '../../clients/kube/connection.ts';
import type { Identity } from '../../ports/kube-api.ts';
import { createCertificateAuthority, type CertificateAuthority, type IssuedCertificate } from '../../pki/pki.ts';

interface TokenEntry {
  token: string;
  user: string;
  groups: string[];
}

export class ClusterCredentials {
  private readonly tokens = new Map<string, TokenEntry>();

  private constructor(
    readonly dir: string,
    readonly ca: CertificateAuthority,
    readonly etcdServer: IssuedCertificate,
    readonly etcdClient: IssuedCertificate,
    readonly apiserverServing: IssuedCertificate,
  ) {}

  /** `apiserverAddresses`: where the apiserver listens besides 127.0.0.1, for its certificate. */
  static async create(dir: string, apiserverAddresses: readonly string[] = []): Promise<ClusterCredentials> {
    const ca = await createCertificateAuthority(join(dir, 'pki'), 'kck-cluster-ca');
    const local = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
    const etcdServer = await ca.issue({ name: 'etcd-server', commonName: 'etcd', ...local, usage: 'both' });
    const etcdClient = await ca.issue({ name: 'apiserver-etcd-client', commonName: 'kube-apiserver-etcd-client', usage: 'client' });
    const apiserverServing = await ca.issue({ name: 'apiserver', commonName: 'kube-apiserver', dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'], ipAddresses: ['127.0.0.1', ...apiserverAddresses], usage: 'server' });
    const credentials = new ClusterCredentials(dir, ca, etcdServer, etcdClient, apiserverServing);
    credentials.addToken('admin', 'kck-admin', ['system:masters']);
    credentials.addToken('kube-scheduler', 'system:kube-scheduler', []);
    credentials.addToken('kube-controller-manager', 'system:kube-controller-manager', []);
    credentials.addToken('cloud-controller-manager', 'system:cloud-controller-manager', []);
    credentials.addToken('kube-proxy', 'system:kube-proxy', []);
    // Users for authentication and authorization scenarios; the token file is read once.
    for (const [name, groups] of [['alice', []], ['bob', ['kck-viewers']]] as const) {
      credentials.addToken(`user:${name}:${groups.join(',')}`, name, [...groups]);
    }
    return credentials;
  }

  addToken(key: string, user: string, groups: string[]): void {
    this.tokens.set(key, { token: randomBytes(24).toString('hex'), user, groups });
  }

  addNode(nodeName: string): void {
    this.addToken(`node:${nodeName}`, `system:node:${nodeName}`, ['system:nodes']);
  }

  get tokenFile(): string {
    return join(this.dir, 'tokens.csv');
  }

  /** Writes the token file; the apiserver reads it at start. */
  async writeTokenFile(): Promise<void> {
    const rows = [...this.tokens.values()].map((t) => `${t.token},${t.user},${t.user},"${t.groups.join(',')}"`);
    await writeFile(this.tokenFile, rows.join('\n') + '\n', { mode: 0o600 });
  }

  connection(server: string, identity: Identity): Connection {
    const base: Connection = { server, caPem: this.ca.certPem };
    switch (identity.kind) {
      case 'anonymous':
        return base;
      case 'admin':
        return { ...base, token: this.token('admin') };
      case 'component':
        return { ...base, token: this.token(identity.name) };
      case 'node':
        return { ...base, token: this.token(`node:${identity.nodeName}`) };
      case 'user': {
        const key = `user:${identity.name}:${(identity.groups ?? []).join(',')}`;
        if (!this.tokens.has(key)) throw new Error(`user ${identity.name} has no token: users must be added before the apiserver starts`);
        return { ...base, token: this.token(key) };
      }
    }
  }

  async writeKubeconfig(name: string, server: string, identity: Identity): Promise<string> {
    const path = join(this.dir, `${name}.kubeconfig`);
    await writeFile(path, kubeconfigYaml(this.connection(server, identity), name), { mode: 0o600 });
    return path;
  }

  private token(key: string): string {
    const entry = this.tokens.get(key);
    if (entry === undefined) throw new Error(`no token for ${key}`);
    return entry.token;
  }
}
