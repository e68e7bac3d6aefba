/**
 * The reference cluster as containers on one docker network per run: etcd (Debian's 3.4 or
 * the reference etcd), apiserver(s), scheduler and controller-manager, each in its own
 * container with a fixed address. Only the apiservers (and etcd, for the kit's probes) are
 * published, on 127.0.0.1. Credentials are the reference cluster's ClusterCredentials (one CA,
 * token file, a kubeconfig per identity); the state folder is bind-mounted read-only at the
 * same path, so every certificate and kubeconfig path is the same inside and out. Serving
 * certificates also name the in-network addresses.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rm } from 'node:fs/promises';
import { createEtcdClient } from '../../clients/etcd/etcd-client.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import type { Identity, KubeObject } from '../../ports/kube-api.ts';
import { freePort } from '../../process/free-port.ts';
import { ClusterCredentials } from '../reference/cluster-credentials.ts';
import { DockerComponent } from './docker-component.ts';
import { DockerNetwork } from './docker-network.ts';
import { holdSession, sessionLabels, sessionTempDir } from './docker-teardown.ts';
import { etcdImage, KIT_DIR, kitImage } from './kit-images.ts';

export interface DockerClusterOptions {
  /** 'docker' (Debian etcd 3.4) or 'docker-reference' (kck etcd). */
  etcd?: 'docker' | 'docker-reference';
  apiservers?: number;
  /** Which controllers to run beside the apiserver(s). */
  controllers?: ReadonlyArray<'kube-scheduler' | 'kube-controller-manager'>;
}

const APISERVER_PORT = 6443;

export class DockerCluster {
  readonly components = new Map<string, DockerComponent>();
  private readonly clients: KubeClient[] = [];
  private readonly apiserverUrls = new Map<string, string>();
  server = '';
  adminKubeconfig = '';
  private readonly release = holdSession();

  private constructor(
    readonly id: string,
    readonly stateDir: string,
    readonly net: DockerNetwork,
    readonly credentials: ClusterCredentials,
    private readonly runtimeImage: string,
  ) {}

  static async start(options: DockerClusterOptions = {}): Promise<DockerCluster> {
    const [runtime] = await Promise.all([kitImage('node-runtime'), kitImage('etcd')]);
    const id = randomBytes(4).toString('hex');
    const stateDir = await sessionTempDir('cluster-');
    // Containers run as root but the folder must be readable through the bind mount.
    await chmod(stateDir, 0o755);
    const credentials = await ClusterCredentials.create(stateDir);
    const net = await DockerNetwork.create(`kck-run-${id}`, sessionLabels({ 'kck.io/cluster': id }));
    const cluster = new DockerCluster(id, stateDir, net, credentials, runtime);
    try {
      await cluster.boot(options);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  apiserverUrl(instance: string): string {
    const url = this.apiserverUrls.get(instance);
    if (url === undefined) throw new Error(`no apiserver instance ${instance}`);
    return url;
  }

  client(identity: Identity = { kind: 'admin' }): KubeClient {
    const client = new KubeClient(this.credentials.connection(this.server, identity), (id) => this.credentials.connection(this.server, id));
    this.clients.push(client);
    return client;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    await Promise.all([...this.components.values()].map((c) => c.remove()));
    this.components.clear();
    await this.net.remove();
    await rm(this.stateDir, { recursive: true, force: true });
    this.release();
  }

  private common(instance: string, ip: string): { name: string; network: string; ip: string; labels: Record<string, string>; binds: Array<{ source: string; target: string }> } {
    return {
      name: `kck-${this.id}-${instance}`,
      network: this.net.name,
      ip,
      labels: sessionLabels({ 'kck.io/cluster': this.id, 'kck.io/component': instance }),
      binds: [{ source: this.stateDir, target: this.stateDir }],
    };
  }

  private async launch(component: DockerComponent): Promise<void> {
    this.components.set(component.spec.instance, component);
    await component.start();
  }

  private async boot(options: DockerClusterOptions): Promise<void> {
    const etcd = await this.startEtcd(options.etcd ?? 'docker');
    await this.credentials.writeTokenFile();
    const count = options.apiservers ?? 1;
    const ips = Array.from({ length: count }, (_, i) => this.net.address(20 + i));
    const serving = await this.credentials.ca.issue({
      name: 'docker-apiserver', commonName: 'kube-apiserver', usage: 'server',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'], ipAddresses: ['127.0.0.1', ...ips],
    });
    const urls = await Promise.all(ips.map(async () => `https://127.0.0.1:${await freePort()}`));
    this.server = urls[0] as string;
    this.adminKubeconfig = await this.credentials.writeKubeconfig('admin', this.server, { kind: 'admin' });
    const inNetwork = `https://${ips[0] as string}:${APISERVER_PORT}`;
    // Node and the kit's sources take seconds to boot in each container, so the scheduler and
    // controller-manager boot beside the apiserver(s) and campaign for their Lease until it
    // answers (as upstream static Pods do). All settle before a failure is thrown, so stop()
    // sees every container that was created.
    const controllers = options.controllers ?? ['kube-scheduler', 'kube-controller-manager'];
    const results = await Promise.allSettled([
      ...urls.map((url, i) => this.startApiserver(`kube-apiserver-${i + 1}`, ips[i] as string, url, etcd, serving)),
      ...controllers.map((name, i) => this.startController(name, this.net.address(30 + i), inNetwork)),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  private async startEtcd(kind: 'docker' | 'docker-reference'): Promise<string> {
    const ip = this.net.address(10);
    const hostPort = await freePort();
    const { ca, etcdClient } = this.credentials;
    const server = await ca.issue({ name: 'docker-etcd-server', commonName: 'etcd', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', ip], usage: 'both' });
    const endpoint = `https://${ip}:2379`;
    const peer = `http://${ip}:2380`;
    const args = [
      '--name', 'etcd-1', '--data-dir', '/tmp/etcd-data',
      '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `etcd-1=${peer}`, '--initial-cluster-state', 'new',
      '--client-cert-auth', '--trusted-ca-file', ca.certPath, '--cert-file', server.certPath, '--key-file', server.keyPath,
    ];
    const probe = createEtcdClient({ endpoints: [`https://127.0.0.1:${hostPort}`], tls: { caPem: ca.certPem, certPem: etcdClient.certPem, keyPem: etcdClient.keyPem }, callTimeoutMs: 2_000 });
    try {
      await this.launch(new DockerComponent({
        ...this.common('etcd-1', ip),
        instance: 'etcd-1',
        image: kind === 'docker' ? etcdImage.tag : this.runtimeImage,
        entrypoint: kind === 'docker' ? ['/usr/bin/etcd'] : ['/usr/bin/node', `${KIT_DIR}/bin/kck.mjs`, 'etcd'],
        command: args,
        args,
        loopbackPorts: new Map([[2379, hostPort]]),
        ready: async () => {
          await probe.range('kck-readiness-probe');
        },
      }));
    } finally {
      probe.close();
    }
    return endpoint;
  }

  private async startApiserver(instance: string, ip: string, url: string, etcd: string, serving: { certPath: string; keyPath: string }): Promise<void> {
    const hostPort = Number(new URL(url).port);
    this.apiserverUrls.set(instance, url);
    const { ca, etcdClient } = this.credentials;
    const args = [
      '--etcd-servers', etcd, '--etcd-cafile', ca.certPath, '--etcd-certfile', etcdClient.certPath, '--etcd-keyfile', etcdClient.keyPath,
      '--bind-address', '0.0.0.0', '--secure-port', String(APISERVER_PORT), '--advertise-address', ip,
      '--tls-cert-file', serving.certPath, '--tls-private-key-file', serving.keyPath, '--client-ca-file', ca.certPath,
      '--token-auth-file', this.credentials.tokenFile, '--authorization-mode', 'Node,RBAC',
      '--service-cluster-ip-range', '10.96.0.0/16', '--service-node-port-range', '30000-32767',
    ];
    const probe = new KubeClient(this.credentials.connection(url, { kind: 'admin' }));
    try {
      await this.launch(new DockerComponent({
        ...this.common(instance, ip),
        instance,
        image: this.runtimeImage,
        command: ['apiserver', ...args],
        args,
        loopbackPorts: new Map([[APISERVER_PORT, hostPort]]),
        ready: async () => {
          const res = await probe.request('GET', '/readyz');
          if (res.status !== 200) throw new Error(`/readyz answered ${res.status}: ${res.text.slice(0, 200)}`);
        },
      }));
    } finally {
      probe.close();
    }
  }

  /**
   * Scheduler or controller-manager with the reference cluster's flags: ready once it holds
   * its leader-election Lease.
   */
  private async startController(name: 'kube-scheduler' | 'kube-controller-manager', ip: string, server: string): Promise<void> {
    const kubeconfig = await this.credentials.writeKubeconfig(`docker-${name}`, server, { kind: 'component', name });
    // A short grace period so node-lifecycle scenarios finish in seconds, not minutes (as on the reference target).
    const own = name === 'kube-controller-manager' ? ['--node-monitor-grace-period', '10s', '--node-monitor-period', '2s'] : [];
    const args = ['--kubeconfig', kubeconfig, '--leader-elect=true', ...own];
    const probe = this.client();
    const instance = `${name}-1`;
    await this.launch(new DockerComponent({
      ...this.common(instance, ip),
      instance,
      image: this.runtimeImage,
      // The Lease holder identity starts with the instance name, so faults can find the leader.
      env: { KCK_INSTANCE: instance },
      command: [name === 'kube-scheduler' ? 'scheduler' : 'controller-manager', ...args],
      args,
      ready: async () => {
        const lease = await probe.get<KubeObject & { spec?: { holderIdentity?: string } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name });
        if ((lease?.spec?.holderIdentity ?? '') === '') throw new Error(`${name} holds no Lease yet`);
      },
      readyTimeoutMs: 120_000,
    }));
  }
}
