/**
 * A whole reference cluster as processes on loopback: etcd, apiserver(s) (behind an L4 load
 * balancer when there are several), scheduler, controller-manager, cloud-controller-manager
 * and nodes. Only the parts that are built are started (see reference-parts.ts). Every
 * component gets only what its upstream twin gets: the apiserver alone holds etcd's address
 * and client certificate; the others get a kubeconfig (S4.5, S4.6).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEtcdClient } from '../../clients/etcd/etcd-client.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import type { Identity, KubeObject } from '../../ports/kube-api.ts';
import { eventually } from '../../world/eventually.ts';
import { freePort } from '../../process/free-port.ts';
import { settleAll } from '../../process/settle-all.ts';
import { ClusterCredentials } from './cluster-credentials.ts';
import { grantCloudControllerManager } from './cloud-controller-manager-rbac.ts';
import type { ControllerName } from './controller-flags.ts';
import { referenceControllerSpec, STANDBY_ELECTION_FLAGS } from './reference-controller-process.ts';
import { canBuildNamespaces, ClusterNetwork } from './cluster-network.ts';
import { ComponentProcess, type ComponentSpec } from './component-process.ts';
import { markControlPlaneNode, nodeComponents, removeNodeLeftovers, planNode, referenceNodeCredentials, type NodePlan } from './reference-nodes.ts';

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
  /**
   * Someone else's scheduler and controller-manager in place of the reference ones (the mixed
   * configuration with upstream's): their component specs, given the admin kubeconfig. Instance
   * names follow the reference's ('kube-scheduler-1'), so topology and faults find them.
   */
  controllers?: (adminKubeconfig: string, stateDir: string) => Promise<ComponentSpec[]>;
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
    private readonly options: Required<Omit<ReferenceClusterOptions, 'stateDir' | 'controllers'>>,
    private readonly controllers: ReferenceClusterOptions['controllers'],
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
      options.controllers,
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
    for (const node of this.nodes.values()) await removeNodeLeftovers(node);
    await this.network?.destroy();
    if (this.ownsStateDir) await rm(this.stateDir, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(`the reference cluster did not stop cleanly: ${failures.join('; ')}`);
  }

  /** Adds a worker node (runtime, kubelet, kube-proxy) and returns its name. */
  async addNode(): Promise<string> {
    const [name] = await this.addNodes(1);
    return name as string;
  }

  /**
   * Plans the nodes one after another (each node's routes name the nodes before it), then
   * starts them side by side: most of a node's start is waiting for its processes.
   */
  private async addNodes(count: number): Promise<string[]> {
    const env = {
      stateDir: this.stateDir,
      credentials: referenceNodeCredentials(this.credentials, this.server),
      network: this.network,
      proxyMode: this.options.proxyMode,
      ipvsScheduler: this.options.ipvsScheduler,
      cloudProvider: this.options.cloudProvider,
      admin: this.client(),
    };
    const plans: NodePlan[] = [];
    for (let k = 0; k < count; k++) {
      const index = this.nodes.size + 1;
      if (index > MAX_NODES) throw new Error(`the reference cluster has at most ${MAX_NODES} nodes`);
      const plan = await planNode(env, `node-${index}`, index);
      this.nodes.set(plan.name, plan);
      plans.push(plan);
    }
    await settleAll(plans.map(async (plan) => {
      for (const spec of await nodeComponents(env, plan)) await this.launch(spec);
    }));
    return plans.map((p) => p.name);
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
    if (this.controllers === undefined) await this.startControllers();
    else for (const spec of await this.controllers(this.adminKubeconfig, this.stateDir)) await this.launch(spec);
    if (this.options.nodes > 0) await this.addNodes(this.options.nodes);
    if (this.options.nodes > 0) await markControlPlaneNode(this.client(), 'node-1');
  }

  /**
   * With node namespaces, the cluster's network id (unique on this machine while it runs) names
   * its load balancers' block, 127.78.<id>.0/24: clusters side by side (parallel workers) never
   * hand out the same address and port, nor collide with an unconfigured loopback cloud's
   * 127.77/16 or a docker cluster's block.
   */
  private async cloudConfig(): Promise<string[]> {
    if (this.network === undefined) return [];
    const file = join(this.stateDir, 'loopback-cloud.json');
    await writeFile(file, `${JSON.stringify({ loadBalancerAddresses: `127.78.${this.network.id}.0/24` })}\n`);
    return ['--cloud-config', file];
  }

  /**
   * Scheduler, controller-manager and cloud-controller-manager: each knows only the
   * apiserver (a kubeconfig), never etcd (S4.6); each takes part in leader election.
   */
  private async startControllers(): Promise<void> {
    const admin = this.client();
    const kinds: Array<{ controller: ControllerName; args: string[] }> = [
      { controller: 'kube-scheduler', args: [] },
      { controller: 'kube-controller-manager', args: [] },
      ...(this.options.cloudProvider ? [{ controller: 'cloud-controller-manager' as const, args: await this.cloudConfig() }] : []),
    ];
    const election = this.options.controlPlanes > 1 ? STANDBY_ELECTION_FLAGS : [];
    if (this.options.cloudProvider) await grantCloudControllerManager(admin);
    // Side by side: each is ready once its Lease names a holder, whichever instance won.
    const specs = [];
    for (const k of kinds) {
      const kubeconfig = await this.credentials.writeKubeconfig(k.controller, this.server, { kind: 'component', name: k.controller });
      for (let i = 1; i <= this.options.controlPlanes; i++) {
        specs.push(referenceControllerSpec({ controller: k.controller, instance: `${k.controller}-${i}`, kubeconfig, extraArgs: [...k.args, ...election], admin }));
      }
    }
    await settleAll(specs.map((spec) => this.launch(spec)));
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
