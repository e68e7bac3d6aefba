/**
 * An etcd cluster of member processes (reference or real etcd, chosen by the member command),
 * each in its own network namespace so the kit can partition peers while it still reaches
 * every member. Members are named m1..mN; every member listens on its own address with the
 * standard ports 2379 (clients) and 2380 (peers).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority } from '../../pki/pki.ts';
import type { Etcd, EtcdCluster } from '../../ports/etcd.ts';
import { createEtcdClient, type EtcdTlsOptions } from '../../clients/etcd/etcd-client.ts';
import { MemberProcess, type MemberCommand, type MemberTls } from './member-process.ts';
import { NetnsNetwork } from './netns-network.ts';
import { waitUntil } from './wait-until.ts';

interface ClusterMember {
  name: string;
  index: number;
  ip: string;
  process: MemberProcess;
}

interface ClusterTls {
  kit: EtcdTlsOptions;
  caPem: string;
  issue(name: string, ip: string): Promise<MemberTls>;
}

export class ProcessEtcdCluster implements EtcdCluster {
  private readonly members = new Map<string, ClusterMember>();
  private readonly clients: Etcd[] = [];
  private nextIndex = 1;
  private readonly token: string;

  private constructor(
    private readonly dir: string,
    private readonly net: NetnsNetwork,
    private readonly command: MemberCommand,
    private readonly tls: ClusterTls | undefined,
  ) {
    this.token = `kck-${net.id}-${Date.now()}`;
  }

  static async start(command: MemberCommand, options: { members: number; tls?: boolean }): Promise<ProcessEtcdCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'kck-etcd-cluster-'));
    const net = await NetnsNetwork.create();
    let tls: ClusterTls | undefined;
    if (options.tls === true) {
      const ca = await createCertificateAuthority(join(dir, 'pki'), 'kck-etcd-ca');
      const kit = await ca.issue({ name: 'kit', commonName: 'kube-apiserver-etcd-client', usage: 'client' });
      tls = {
        caPem: ca.certPem,
        kit: { caPem: ca.certPem, certPem: kit.certPem, keyPem: kit.keyPem },
        issue: async (name, ip) => {
          const cert = await ca.issue({ name, commonName: name, ipAddresses: [ip, '127.0.0.1'], usage: 'both' });
          return { caPath: ca.certPath, certPath: cert.certPath, keyPath: cert.keyPath };
        },
      };
    }
    const cluster = new ProcessEtcdCluster(dir, net, command, tls);
    try {
      const planned = [];
      for (let i = 0; i < options.members; i++) planned.push(await cluster.plan());
      const initialCluster = planned.map((m) => `${m.name}=${m.peerUrl}`).join(',');
      for (const m of planned) await cluster.launch(m, initialCluster, 'new');
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

  private async plan(): Promise<{ name: string; index: number; ip: string; peerUrl: string }> {
    const index = this.nextIndex++;
    const { ip } = await this.net.addMember(index);
    return { name: `m${index}`, index, ip, peerUrl: `http://${ip}:2380` };
  }

  private async launch(m: { name: string; index: number; ip: string; peerUrl: string }, initialCluster: string, state: 'new' | 'existing'): Promise<void> {
    const dataDir = join(this.dir, m.name);
    await mkdir(dataDir, { recursive: true });
    const tls = this.tls === undefined ? undefined : await this.tls.issue(m.name, m.ip);
    const process = new MemberProcess({
      name: m.name, dataDir: join(dataDir, 'data'), clientUrl: `${tls ? 'https' : 'http'}://${m.ip}:2379`, peerUrl: m.peerUrl,
      initialCluster, initialClusterState: state, clusterToken: this.token, logPath: join(dataDir, 'member.log'), ...(tls ? { tls } : {}),
    }, this.command, (cmd) => this.net.wrap(m.index, cmd));
    process.start();
    this.members.set(m.name, { name: m.name, index: m.index, ip: m.ip, process });
  }

  private async waitReady(names: readonly string[]): Promise<void> {
    const client = this.client({ members: names });
    try {
      for (const name of names) {
        await waitUntil(`etcd member ${name} to see a leader`, async () => (await client.status(this.endpointOf(name))).leader !== '0', { timeoutMs: 60_000 });
      }
    } finally {
      client.close();
    }
  }

  private member(name: string): ClusterMember {
    const m = this.members.get(name);
    if (m === undefined) throw new Error(`no etcd member ${name}`);
    return m;
  }

  endpointOf(name: string): string {
    const m = this.member(name);
    return `${this.tls ? 'https' : 'http'}://${m.ip}:2379`;
  }

  client(options: { members?: readonly string[]; credentials?: 'valid' | 'none' } = {}): Etcd {
    const names = options.members ?? [...this.members.keys()].filter((n) => this.member(n).process.running);
    const endpoints = names.map((n) => this.endpointOf(n));
    const tls = this.tls === undefined ? undefined : options.credentials === 'none' ? { caPem: this.tls.caPem } : this.tls.kit;
    const client = createEtcdClient({ endpoints, ...(tls ? { tls } : {}), callTimeoutMs: 5000 });
    this.clients.push(client);
    return client;
  }

  async leader(): Promise<string | undefined> {
    const client = this.client({ members: [...this.members.keys()] });
    try {
      for (const [name, m] of this.members) {
        if (!m.process.running) continue;
        try {
          const status = await client.status(this.endpointOf(name));
          if (status.leader !== '0' && status.leader === status.header.memberId) return name;
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
    await this.member(name).process.kill();
  }

  async restart(name: string): Promise<void> {
    const m = this.member(name);
    await m.process.kill();
    m.process.start();
  }

  async partition(groups: readonly (readonly string[])[]): Promise<void> {
    await this.net.partition(groups.map((g) => g.map((n) => this.member(n).index)));
  }

  async heal(): Promise<void> {
    await this.net.heal();
  }

  async addMember(name: string): Promise<void> {
    if (this.members.has(name)) throw new Error(`member ${name} exists`);
    const planned = await this.plan();
    const m = { ...planned, name };
    const client = this.client();
    try {
      // etcd refuses reconfiguration ("unhealthy cluster") until the leader has been connected
      // to every member for a while; nothing was changed then, so asking again is safe.
      await waitUntil(`etcd to accept member ${name}`, async () => {
        try {
          await client.memberAdd([m.peerUrl]);
          return true;
        } catch (error) {
          if (error instanceof Error && /unhealthy cluster/.test(error.message)) return false;
          throw error;
        }
      }, { timeoutMs: 30_000, intervalMs: 500 });
      const members = await client.memberList();
      // The new member's initial cluster is every member the cluster now knows, by name.
      const byUrl = new Map([...this.members.values()].map((x) => [`http://${x.ip}:2380`, x.name]));
      byUrl.set(m.peerUrl, name);
      const initialCluster = members.flatMap((x) => x.peerURLs.map((u) => `${byUrl.get(u) ?? x.name}=${u}`)).join(',');
      await this.launch(m, initialCluster, 'existing');
      await this.waitReady([name]);
    } finally {
      client.close();
    }
  }

  async removeMember(name: string): Promise<void> {
    const m = this.member(name);
    const client = this.client({ members: [...this.members.keys()].filter((n) => n !== name && this.member(n).process.running) });
    try {
      const members = await client.memberList();
      const target = members.find((x) => x.peerURLs.includes(`http://${m.ip}:2380`));
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
    const exited = await waitUntil(`removed member ${name} to stop on its own`, () => Promise.resolve(!m.process.running), { timeoutMs: 30_000, intervalMs: 200 }).then(() => true, () => false);
    await m.process.stop();
    this.members.delete(name);
    await this.net.removeMember(m.index);
    if (!exited) throw new Error(`member ${name} kept running for 30 s after its removal was acknowledged (etcd stops a removed member)`);
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    this.clients.length = 0;
    await Promise.all([...this.members.values()].map((m) => m.process.kill()));
    this.members.clear();
    await this.net.destroy();
    if (process.env['KCK_KEEP_ETCD'] === undefined) await rm(this.dir, { recursive: true, force: true });
  }
}
