/**
 * An etcd cluster of containers (Debian's etcd 3.4 in kck/etcd, or the reference etcd in
 * kck/node-runtime), one per member, on a docker network of its own. Members have fixed
 * addresses (peer URLs survive restarts) and their client port published on 127.0.0.1 at a
 * fixed host port (the kit's endpoints survive restarts). Faults: kill = docker kill
 * (SIGKILL), restart = docker start with the same writable layer (the data dir survives),
 * partition = iptables DROP rules inside the members' namespaces.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { createEtcdClient, type EtcdTlsOptions } from '../../clients/etcd/etcd-client.ts';
import { createCertificateAuthority, type CertificateAuthority } from '../../pki/pki.ts';
import type { Etcd, EtcdCluster } from '../../ports/etcd.ts';
import { freePort } from '../../process/free-port.ts';
import { etcdFlags, type MemberSpec } from '../etcd/member-process.ts';
import { waitUntil } from '../etcd/wait-until.ts';
import { docker } from './docker-cli.ts';
import { clearIsolation, DockerNetwork, isolateFrom } from './docker-network.ts';
import { holdSession, sessionLabels, sessionTempDir } from './docker-teardown.ts';
import { startKitContainer } from './kit-container.ts';

/** How a member's container runs etcd: image and the arguments before the etcd flags. */
export interface EtcdImage {
  readonly image: string;
  readonly entrypoint: readonly string[];
  readonly implementation: string;
}

const PKI_DIR = '/etc/kck/pki';
const DATA_DIR = '/tmp/etcd-data';

interface Member {
  name: string;
  ip: string;
  hostPort: number;
  container: StartedTestContainer;
  running: boolean;
}

export class DockerEtcdCluster implements EtcdCluster {
  private readonly members = new Map<string, Member>();
  private readonly clients: Etcd[] = [];
  private nextHost = 10;
  private groups: ReadonlyArray<readonly string[]> | undefined;
  private readonly release = holdSession();

  private constructor(
    private readonly id: string,
    private readonly net: DockerNetwork,
    private readonly image: EtcdImage,
    private readonly dir: string,
    private readonly ca: CertificateAuthority | undefined,
    private readonly kitTls: EtcdTlsOptions | undefined,
  ) {}

  static async start(image: EtcdImage, options: { members: number; tls?: boolean }): Promise<DockerEtcdCluster> {
    const id = randomBytes(4).toString('hex');
    const dir = await sessionTempDir('etcd-');
    let ca: CertificateAuthority | undefined;
    let kitTls: EtcdTlsOptions | undefined;
    if (options.tls === true) {
      ca = await createCertificateAuthority(join(dir, 'pki'), 'kck-etcd-ca');
      const kit = await ca.issue({ name: 'kit', commonName: 'kube-apiserver-etcd-client', usage: 'client' });
      kitTls = { caPem: ca.certPem, certPem: kit.certPem, keyPem: kit.keyPem };
    }
    const net = await DockerNetwork.create(`kck-etcd-${id}`, sessionLabels({ 'kck.io/cluster': id }));
    const cluster = new DockerEtcdCluster(id, net, image, dir, ca, kitTls);
    try {
      const planned = [];
      for (let i = 1; i <= options.members; i++) planned.push(await cluster.plan(`m${i}`));
      const initialCluster = planned.map((m) => `${m.name}=${cluster.peerUrl(m.ip)}`).join(',');
      // Started together (each waits for a quorum), listed in name order.
      const started = await Promise.all(planned.map((m) => cluster.launch(m, initialCluster, 'new')));
      for (const m of started) cluster.members.set(m.name, m);
      await cluster.waitReady(planned.map((m) => m.name));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get memberNames(): readonly string[] {
    return [...this.members.keys()];
  }

  private get scheme(): string {
    return this.ca === undefined ? 'http' : 'https';
  }

  private peerUrl(ip: string): string {
    return `http://${ip}:2380`;
  }

  private async plan(name: string): Promise<{ name: string; ip: string; hostPort: number }> {
    return { name, ip: this.net.address(this.nextHost++), hostPort: await freePort() };
  }

  private async launch(m: { name: string; ip: string; hostPort: number }, initialCluster: string, state: 'new' | 'existing'): Promise<Member> {
    const files: Array<{ content: string; target: string; mode: number }> = [];
    let tls: MemberSpec['tls'];
    if (this.ca !== undefined) {
      const cert = await this.ca.issue({ name: m.name, commonName: m.name, ipAddresses: [m.ip, '127.0.0.1'], dnsNames: ['localhost'], usage: 'both' });
      files.push(
        { content: this.ca.certPem, target: `${PKI_DIR}/ca.crt`, mode: 0o644 },
        { content: cert.certPem, target: `${PKI_DIR}/${m.name}.crt`, mode: 0o644 },
        { content: cert.keyPem, target: `${PKI_DIR}/${m.name}.key`, mode: 0o600 },
      );
      tls = { caPath: `${PKI_DIR}/ca.crt`, certPath: `${PKI_DIR}/${m.name}.crt`, keyPath: `${PKI_DIR}/${m.name}.key` };
    }
    const flags = etcdFlags({
      name: m.name, dataDir: DATA_DIR, clientUrl: `${this.scheme}://${m.ip}:2379`, peerUrl: this.peerUrl(m.ip),
      initialCluster, initialClusterState: state, clusterToken: `kck-${this.id}`, logPath: '/dev/null', ...(tls ? { tls } : {}),
    });
    const container = await startKitContainer({
      image: this.image.image,
      name: `kck-etcd-${this.id}-${m.name}`,
      network: this.net.name,
      ip: m.ip,
      loopbackPorts: new Map([[2379, m.hostPort]]),
      entrypoint: [...this.image.entrypoint],
      command: flags,
      labels: sessionLabels({ 'kck.io/cluster': this.id, 'kck.io/member': m.name }),
      files,
    });
    return { ...m, container, running: true };
  }

  private async waitReady(names: readonly string[]): Promise<void> {
    const client = this.client({ members: names });
    try {
      for (const name of names) {
        await waitUntil(`etcd member ${name} to see a leader`, async () => (await client.status(this.endpointOf(name))).leader !== '0', { timeoutMs: 90_000, intervalMs: 250 });
      }
    } finally {
      client.close();
    }
  }

  private member(name: string): Member {
    const m = this.members.get(name);
    if (m === undefined) throw new Error(`no etcd member ${name}`);
    return m;
  }

  endpointOf(name: string): string {
    return `${this.scheme}://127.0.0.1:${this.member(name).hostPort}`;
  }

  client(options: { members?: readonly string[]; credentials?: 'valid' | 'none' } = {}): Etcd {
    const names = options.members ?? [...this.members.values()].filter((m) => m.running).map((m) => m.name);
    const tls = this.kitTls === undefined ? undefined : options.credentials === 'none' ? { caPem: this.kitTls.caPem } : this.kitTls;
    const client = createEtcdClient({ endpoints: names.map((n) => this.endpointOf(n)), ...(tls ? { tls } : {}), callTimeoutMs: 5000 });
    this.clients.push(client);
    return client;
  }

  async leader(): Promise<string | undefined> {
    const client = this.client({ members: [...this.members.keys()] });
    try {
      for (const m of this.members.values()) {
        if (!m.running) continue;
        try {
          const status = await client.status(this.endpointOf(m.name));
          if (status.leader !== '0' && status.leader === status.header.memberId) return m.name;
        } catch {
          // Unreachable or leaderless member: ask the next one.
        }
      }
      return undefined;
    } finally {
      client.close();
    }
  }

  async kill(name: string): Promise<void> {
    const m = this.member(name);
    if (!m.running) return;
    await docker(['kill', m.container.getId()]).catch(() => undefined);
    await docker(['wait', m.container.getId()]);
    m.running = false;
  }

  async restart(name: string): Promise<void> {
    const m = this.member(name);
    await this.kill(name);
    await docker(['start', m.container.getId()]);
    m.running = true;
    // A new process means a new network namespace: the partition, if any, applies again.
    if (this.groups !== undefined) await this.applyPartition(this.groups);
  }

  private async applyPartition(groups: ReadonlyArray<readonly string[]>): Promise<void> {
    const groupOf = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((n) => groupOf.set(n, i)));
    for (const m of this.members.values()) {
      const mine = groupOf.get(m.name);
      const others = [...this.members.values()].filter((o) => o !== m && (mine === undefined || groupOf.get(o.name) !== mine)).map((o) => o.ip);
      await isolateFrom(m.container.getId(), others);
    }
  }

  async partition(groups: readonly (readonly string[])[]): Promise<void> {
    for (const g of groups) for (const n of g) this.member(n);
    this.groups = groups.map((g) => [...g]);
    await this.applyPartition(this.groups);
  }

  async heal(): Promise<void> {
    this.groups = undefined;
    for (const m of this.members.values()) await clearIsolation(m.container.getId());
  }

  async addMember(name: string): Promise<void> {
    if (this.members.has(name)) throw new Error(`member ${name} exists`);
    const m = await this.plan(name);
    const client = this.client();
    try {
      // etcd refuses reconfiguration ("unhealthy cluster") until the leader has been connected
      // to every member for a while; nothing was changed then, so asking again is safe.
      await waitUntil(`etcd to accept member ${name}`, async () => {
        try {
          await client.memberAdd([this.peerUrl(m.ip)]);
          return true;
        } catch (error) {
          if (error instanceof Error && /unhealthy cluster/.test(error.message)) return false;
          throw error;
        }
      }, { timeoutMs: 30_000, intervalMs: 500 });
      const byUrl = new Map([...this.members.values()].map((x) => [this.peerUrl(x.ip), x.name]));
      byUrl.set(this.peerUrl(m.ip), name);
      const initialCluster = (await client.memberList()).flatMap((x) => x.peerURLs.map((u) => `${byUrl.get(u) ?? x.name}=${u}`)).join(',');
      this.members.set(name, await this.launch(m, initialCluster, 'existing'));
      await this.waitReady([name]);
    } finally {
      client.close();
    }
  }

  async removeMember(name: string): Promise<void> {
    const m = this.member(name);
    const client = this.client({ members: [...this.members.values()].filter((x) => x.name !== name && x.running).map((x) => x.name) });
    try {
      const target = (await client.memberList()).find((x) => x.peerURLs.includes(this.peerUrl(m.ip)));
      if (target === undefined) throw new Error(`member ${name} is not in the member list`);
      await waitUntil(`etcd to remove member ${name}`, async () => {
        try {
          await client.memberRemove(target.id);
          return true;
        } catch (error) {
          if (error instanceof Error && /unhealthy cluster/.test(error.message)) return false;
          throw error;
        }
      }, { timeoutMs: 30_000, intervalMs: 500 });
    } finally {
      client.close();
    }
    const exited = await waitUntil(`removed member ${name} to stop on its own`, async () => (await docker(['inspect', '--format', '{{.State.Running}}', m.container.getId()])).trim() === 'false', { timeoutMs: 30_000, intervalMs: 200 }).then(() => true, () => false);
    this.members.delete(name);
    await m.container.stop({ remove: true, removeVolumes: true, timeout: 10_000 }).catch(() => docker(['rm', '-f', '-v', m.container.getId()]));
    if (!exited) throw new Error(`member ${name} kept running for 30 s after its removal was acknowledged (etcd stops a removed member)`);
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    this.clients.length = 0;
    await Promise.all([...this.members.values()].map((m) => docker(['rm', '-f', '-v', m.container.getId()]).catch(() => undefined)));
    this.members.clear();
    await this.net.remove();
    await rm(this.dir, { recursive: true, force: true });
    this.release();
  }
}
