/**
 * A whole reference cluster as processes on loopback: etcd, apiserver(s) (behind an L4 load
 * balancer when there are several), scheduler, controller-manager, cloud-controller-manager
 * and nodes. Only the parts that are built are started (see reference-parts.ts). Every
 * component gets only what its upstream twin gets: the apiserver alone holds etcd's address
 * and client certificate; the others get a kubeconfig (S4.5, S4.6).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEtcdClient } from '../../clients/etcd/etcd-client.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import type { Identity, KubeObject } from '../../ports/kube-api.ts';
import { eventually } from '../../world/eventually.ts';
import { freePort } from '../../process/free-port.ts';
import { ClusterCredentials } from './cluster-credentials.ts';
import { canBuildNamespaces, ClusterNetwork } from './cluster-network.ts';
import { ComponentProcess, type ComponentSpec } from './component-process.ts';
import { markControlPlaneNode, nodeComponents, planNode, referenceNodeCredentials, type NodePlan } from './reference-nodes.ts';

export interface ReferenceClusterOptions {
  /** Folder for certificates, kubeconfigs, data and logs; a temp folder by default. */
  stateDir?: string;
  /** 'reference' (kck etcd) or 'external' (the etcd binary on PATH, e.g. Debian's 3.4). */
  etcd?: 'reference' | 'external';
  apiservers?: number;
  /** Instances of each of scheduler, controller-manager and cloud-controller-manager. */
  controlPlanes?: number;
  /** Nodes, the first of them the control-plane node (labelled and tainted NoSchedule). */
  nodes?: number;
  /** kube-proxy mode: iptables (root), userspace, ipvs, nftables (root). */
  proxyMode?: string;
  ipvsScheduler?: string;
  /**
   * With a cloud provider (default): the cloud-controller-manager on the loopback cloud, and
   * kubelets that wait for it as with --cloud-provider=external. Without: neither (S2.4).
   */
  cloudProvider?: boolean;
}

/** Node identities the apiserver knows from its start (its token file is read once). */
const MAX_NODES = 9;

export class ReferenceCluster {
  readonly components = new Map<string, ComponentProcess>();
  private readonly clients: KubeClient[] = [];
  /** The address clients use: the load balancer when there are several apiservers. */
  server = '';
  adminKubeconfig = '';
  private readonly apiserverUrls = new Map<string, string>();
  readonly nodes = new Map<string, NodePlan>();

  private constructor(
    readonly stateDir: string,
    private readonly ownsStateDir: boolean,
    readonly credentials: ClusterCredentials,
    private readonly options: Required<Omit<ReferenceClusterOptions, 'stateDir'>>,
    readonly network: ClusterNetwork | undefined,
  ) {}

  get proxyMode(): string {
    return this.options.proxyMode;
  }

  /** Where the apiservers listen: the host's address on the node bridge, or loopback. */
  get bindAddress(): string {
    return this.network?.hostAddress ?? '127.0.0.1';
  }

  static async start(options: ReferenceClusterOptions = {}): Promise<ReferenceCluster> {
    const ownsStateDir = options.stateDir === undefined;
    const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'kck-cluster-')));
    await mkdir(join(stateDir, 'logs'), { recursive: true });
    const network = (await canBuildNamespaces()) ? await ClusterNetwork.create() : undefined;
    const credentials = await ClusterCredentials.create(stateDir, network === undefined ? [] : [network.hostAddress]).catch(async (error: unknown) => {
      await network?.destroy();
      throw error;
    });
    for (let i = 1; i <= MAX_NODES; i++) credentials.addNode(`node-${i}`);
    const cluster = new ReferenceCluster(
      stateDir,
      ownsStateDir,
      credentials,
      {
        etcd: options.etcd ?? (process.env['KCK_ETCD'] === 'external' ? 'external' : 'reference'),
        apiservers: options.apiservers ?? 1,
        controlPlanes: options.controlPlanes ?? 1,
        nodes: options.nodes ?? 3,
        proxyMode: options.proxyMode ?? (network === undefined ? 'userspace' : 'iptables'),
        ipvsScheduler: options.ipvsScheduler ?? 'rr',
        cloudProvider: options.cloudProvider ?? true,
      },
      network,
    );
    try {
      await cluster.boot();
    } catch (error) {
      // The boot failure is the news; a failed stop after it must not replace it.
      await cluster.stop().catch(() => undefined);
      throw error;
    }
    return cluster;
  }

  apiserverUrl(instance: string): string {
    const url = this.apiserverUrls.get(instance);
    if (url === undefined) throw new Error(`no apiserver instance ${instance}`);
    return url;
  }

  /** A client for any identity the cluster minted credentials for. */
  client(identity: Identity = { kind: 'admin' }): KubeClient {
    const client = new KubeClient(this.credentials.connection(this.server, identity), (id) => this.credentials.connection(this.server, id));
    this.clients.push(client);
    return client;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    // Dependants before what they depend on: nodes, then controllers, then the apiservers
    // (and their balancer), etcd last. Each group stops in parallel, so a component that is
    // slow to exit costs its deadline once, not once per component.
    const groups: Array<(name: string) => boolean> = [
      (n) => /^(runtime|kubelet|kube-proxy)-/.test(n),
      (n) => /^(kube-scheduler|kube-controller-manager|cloud-controller-manager)-/.test(n),
      (n) => /^(kube-apiserver|apiserver-lb)/.test(n),
      () => true,
    ];
    // A component that cannot be stopped (it outlived SIGKILL) does not keep the others
    // running: everything is stopped first, then the failures are reported.
    const failures: string[] = [];
    const remaining = new Map(this.components);
    for (const inGroup of groups) {
      const batch = [...remaining].filter(([name]) => inGroup(name));
      for (const [name] of batch) remaining.delete(name);
      await Promise.all(batch.map(([name, component]) => component.stop().catch((error: unknown) => {
        failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      })));
    }
    await this.network?.destroy();
    if (this.ownsStateDir) await rm(this.stateDir, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(`the reference cluster did not stop cleanly: ${failures.join('; ')}`);
  }

  /**
   * The cloud-controller-manager has no bootstrap role upstream either: whoever deploys it
   * grants it one (as the upstream cloud-provider manifests do). These are its rules.
   */
  private async grantCloudControllerManager(admin: KubeClient): Promise<void> {
    const name = 'kck:cloud-controller-manager';
    await admin.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules: [
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'update', 'patch', 'delete'] },
        { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch', 'update'] },
        { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
        { apiGroups: [''], resources: ['services/status'], verbs: ['patch', 'update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
      ],
    });
    await admin.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:cloud-controller-manager' }],
    });
  }

  /** Adds a worker node (runtime, kubelet, kube-proxy) and returns its name. */
  async addNode(): Promise<string> {
    const index = this.nodes.size + 1;
    if (index > MAX_NODES) throw new Error(`the reference cluster has at most ${MAX_NODES} nodes`);
    const name = `node-${index}`;
    const env = {
      stateDir: this.stateDir,
      credentials: referenceNodeCredentials(this.credentials, this.server),
      network: this.network,
      proxyMode: this.options.proxyMode,
      ipvsScheduler: this.options.ipvsScheduler,
      cloudProvider: this.options.cloudProvider,
      admin: this.client(),
    };
    const plan = await planNode(env, name, index);
    this.nodes.set(name, plan);
    for (const spec of await nodeComponents(env, plan)) await this.launch(spec);
    return name;
  }

  private async launch(spec: ComponentSpec): Promise<ComponentProcess> {
    const component = new ComponentProcess(spec, join(this.stateDir, 'logs'));
    this.components.set(spec.name, component);
    await component.start();
    return component;
  }

  private async boot(): Promise<void> {
    const etcdEndpoint = await this.startEtcd();
    await this.credentials.writeTokenFile();
    const apiservers: string[] = [];
    for (let i = 1; i <= this.options.apiservers; i++) {
      const name = `kube-apiserver-${i}`;
      const url = await this.startApiserver(name, etcdEndpoint);
      this.apiserverUrls.set(name, url);
      apiservers.push(url);
    }
    this.server = apiservers.length === 1 ? apiservers[0]! : await this.startLoadBalancer(apiservers);
    this.adminKubeconfig = await this.credentials.writeKubeconfig('admin', this.server, { kind: 'admin' });
    await this.startControllers();
    for (let i = 1; i <= this.options.nodes; i++) await this.addNode();
    if (this.options.nodes > 0) await markControlPlaneNode(this.client(), 'node-1');
  }

  /**
   * Scheduler, controller-manager and cloud-controller-manager: each knows only the
   * apiserver (a kubeconfig), never etcd (S4.6); each takes part in leader election.
   */
  private async startControllers(): Promise<void> {
    const admin = this.client();
    const kinds: Array<{ kck: string; identity: 'kube-scheduler' | 'kube-controller-manager' | 'cloud-controller-manager'; args: string[] }> = [
      { kck: 'scheduler', identity: 'kube-scheduler', args: [] },
      // A short grace period so node-lifecycle scenarios finish in seconds, not minutes.
      { kck: 'controller-manager', identity: 'kube-controller-manager', args: ['--node-monitor-grace-period', '10s', '--node-monitor-period', '2s'] },
      ...(this.options.cloudProvider ? [{ kck: 'cloud-controller-manager', identity: 'cloud-controller-manager' as const, args: ['--cloud-provider', 'loopback', '--cluster-name', 'kck'] }] : []),
    ];
    // Standbys take over within a short lease when the leader dies (S3.6).
    const election = this.options.controlPlanes > 1 ? ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '500ms'] : [];
    const controllers = kinds.flatMap((k) =>
      Array.from({ length: this.options.controlPlanes }, (_, i) => ({ ...k, name: `${k.identity}-${i + 1}`, args: [...k.args, ...election] })),
    );
    if (this.options.cloudProvider) await this.grantCloudControllerManager(admin);
    for (const c of controllers) {
      const kubeconfig = await this.credentials.writeKubeconfig(c.identity, this.server, { kind: 'component', name: c.identity });
      await this.launch({
        name: c.name,
        command: { kck: c.kck },
        args: ['--kubeconfig', kubeconfig, '--leader-elect=true', ...c.args],
        // The Lease holder identity starts with the instance name, so faults can find the leader.
        env: { ...process.env, KCK_INSTANCE: c.name },
        // Ready once it leads: its Lease names a holder.
        ready: async () => {
          const lease = await admin.get<{ apiVersion: string; kind: string; metadata: object; spec?: { holderIdentity?: string } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name: c.identity });
          if (!lease?.spec?.holderIdentity) throw new Error(`no leader in Lease kube-system/${c.identity} yet`);
        },
      });
    }
  }

  private async startEtcd(): Promise<string> {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const endpoint = `https://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const { ca, etcdServer, etcdClient } = this.credentials;
    const args = [
      '--name', 'etcd-1',
      '--data-dir', join(this.stateDir, 'etcd-1'),
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `etcd-1=${peer}`,
      '--initial-cluster-state', 'new',
      '--client-cert-auth',
      '--trusted-ca-file', ca.certPath,
      '--cert-file', etcdServer.certPath,
      '--key-file', etcdServer.keyPath,
    ];
    const probe = createEtcdClient({ endpoints: [endpoint], tls: { caPem: ca.certPem, certPem: etcdClient.certPem, keyPem: etcdClient.keyPem }, callTimeoutMs: 2_000 });
    try {
      await this.launch({
        name: 'etcd-1',
        command: this.options.etcd === 'external' ? { executable: 'etcd' } : { kck: 'etcd' },
        args,
        ready: async () => {
          await probe.range('kck-readiness-probe');
        },
      });
    } finally {
      probe.close();
    }
    return endpoint;
  }

  /** Several apiservers share one address through the reference L4 load balancer (S4.4). */
  private async startLoadBalancer(backends: string[]): Promise<string> {
    const port = await freePort(this.bindAddress);
    const url = `https://${this.bindAddress}:${port}`;
    const probe = new KubeClient(this.credentials.connection(url, { kind: 'admin' }));
    try {
      await this.launch({
        name: 'apiserver-lb',
        command: { kck: 'apiserver-lb' },
        args: ['--listen', `${this.bindAddress}:${port}`, '--backends', backends.join(',')],
        ready: async () => {
          const res = await probe.request('GET', '/readyz');
          if (res.status !== 200) throw new Error(`/readyz through the load balancer answered ${res.status}`);
        },
      });
    } finally {
      probe.close();
    }
    return url;
  }

  private async startApiserver(name: string, etcdEndpoint: string): Promise<string> {
    const port = await freePort(this.bindAddress);
    const server = `https://${this.bindAddress}:${port}`;
    const { ca, etcdClient, apiserverServing } = this.credentials;
    const probe = new KubeClient(this.credentials.connection(server, { kind: 'admin' }));
    try {
      await this.launch({
        name,
        command: { kck: 'apiserver' },
        args: [
          '--etcd-servers', etcdEndpoint,
          '--etcd-cafile', ca.certPath,
          '--etcd-certfile', etcdClient.certPath,
          '--etcd-keyfile', etcdClient.keyPath,
          '--bind-address', this.bindAddress,
          '--secure-port', String(port),
          '--advertise-address', this.bindAddress,
          '--tls-cert-file', apiserverServing.certPath,
          '--tls-private-key-file', apiserverServing.keyPath,
          '--client-ca-file', ca.certPath,
          '--token-auth-file', this.credentials.tokenFile,
          '--authorization-mode', 'Node,RBAC',
          '--service-cluster-ip-range', '10.96.0.0/16',
          '--service-node-port-range', '30000-32767',
        ],
        ready: async () => {
          const res = await probe.request('GET', '/readyz');
          if (res.status !== 200) throw new Error(`/readyz answered ${res.status}: ${res.text.slice(0, 200)}`);
        },
      });
    } finally {
      probe.close();
    }
    return server;
  }
}
