/**
 * The reference cluster as containers on one docker network per run: etcd (Debian's 3.4 or
 * the reference etcd), apiserver(s), scheduler and controller-manager, each in its own
 * container with a fixed address. With a cloud provider (the default) the
 * cloud-controller-manager runs the reference loopback cloud, in a container on the host's
 * network: the cloud is outside the cluster, and its load balancers (relays on 127.<run
 * subnet>.y) answer on this machine's loopback, as the reference cluster's do, forwarding to the
 * node containers' NodePorts. Only the apiservers (and etcd, for the kit's probes) are
 * published, on 127.0.0.1. Credentials are the reference cluster's ClusterCredentials (one CA,
 * token file, a kubeconfig per identity); the state folder is bind-mounted read-only at the
 * same path, so every certificate and kubeconfig path is the same inside and out. Serving
 * certificates also name the in-network addresses.
 *
 * Nodes are one container each (kck/node, node-container-plan.ts): the container is the
 * node's network namespace, its address the node's address; inside, `kck node` supervises the
 * reference runtime (or, with `cri: 'containerd'`, Debian's containerd in kck/node-containerd),
 * kubelet and kube-proxy. Each node routes the other nodes' pod CIDRs via
 * their addresses (as cluster-network.ts does between namespaces), so Pods reach Pods on
 * other nodes across the run network. node-1 is the control-plane node (labelled, tainted).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEtcdClient } from '../../clients/etcd/etcd-client.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import type { Identity, KubeObject } from '../../ports/kube-api.ts';
import type { ComponentLogs } from '../../ports/target.ts';
import { freePort } from '../../process/free-port.ts';
import { settleAll } from '../../process/settle-all.ts';
import { linesNaming } from '../component-logs.ts';
import { ClusterCredentials } from '../reference/cluster-credentials.ts';
import { grantCloudControllerManager } from '../reference/cloud-controller-manager-rbac.ts';
import { CONTROLLER_COMMAND, REFERENCE_CONTROLLER_FLAGS, type ControllerName } from '../reference/controller-flags.ts';
import { markControlPlaneNode, nodeReady, proxyReady, referenceNodeCredentials, writeNodeFiles, type NodePlan } from '../reference/reference-nodes.ts';
import { dockerNodePlan, nodeContainerPlan, podRoutes, type NodeContainerPlan } from './node-container-plan.ts';
import { containerdNodePlan, CONTAINERD_TMPFS } from './node-containerd-plan.ts';
import { DockerComponent } from './docker-component.ts';
import { DockerNetwork } from './docker-network.ts';
import { holdSession, sessionLabels, sessionTempDir } from './docker-teardown.ts';
import { etcdImage, KIT_DIR, kitImage } from './kit-images.ts';

export interface DockerClusterOptions {
  /** 'docker' (Debian etcd 3.4) or 'docker-reference' (kck etcd). */
  etcd?: 'docker' | 'docker-reference';
  /** Apiserver replicas; more than one sit behind the reference L4 load balancer. */
  apiservers?: number;
  /** Which controllers to run beside the apiserver(s). */
  controllers?: ReadonlyArray<'kube-scheduler' | 'kube-controller-manager'>;
  /**
   * With a cloud provider: the cloud-controller-manager on the loopback cloud, and kubelets
   * that wait for it as with --cloud-provider=external (default true, as the reference cluster).
   */
  cloudProvider?: boolean;
  /** Replicas of each controller, electing a leader through their Lease. */
  controllerReplicas?: number;
  /** Node containers, the first the control-plane node (default 0). */
  nodes?: number;
  /** kube-proxy mode of every node (default iptables, as the reference target as root). */
  proxyMode?: string;
  /** The nodes' CRI runtime: the reference runtime (kck/node) or containerd (kck/node-containerd). */
  cri?: NodeCri;
}

export type NodeCri = 'reference' | 'containerd';

const APISERVER_PORT = 6443;
/**
 * Fixed addresses on the run network (host numbers): etcd 10, load balancer 19, apiservers
 * 20.., controllers 30..38 (MAX_REPLICAS of each of the three kinds), nodes 41..
 */
const ADDRESS = { etcd: 10, loadBalancer: 19, apiserver: 20, controller: 30 } as const;
const MAX_REPLICAS = 3;
/** Node identities the apiserver knows from its start (its token file is read once). */
const MAX_NODES = 9;
/** node-<i> has address .<NODE_ADDRESS_BASE + i> on the run network. */
const NODE_ADDRESS_BASE = 40;

export interface DockerNode {
  plan: NodePlan;
  containerPlan: NodeContainerPlan;
  container: DockerComponent;
}

export class DockerCluster {
  readonly components = new Map<string, DockerComponent>();
  readonly nodes = new Map<string, DockerNode>();
  proxyMode = 'iptables';
  private cloudProvider = true;
  cri: NodeCri = 'reference';
  private nodeImage = '';
  private readonly clients: KubeClient[] = [];
  private readonly apiserverUrls = new Map<string, string>();
  /** Where each apiserver serves the other containers: its address on the run network. */
  private readonly inNetworkApiservers = new Map<string, string>();
  /** The apiserver as node containers reach it: its (or the load balancer's) address on the run network. */
  private inNetworkServer = '';
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
    // Its bridge is kckd<id>: node ports on node containers are this machine's own addresses.
    const net = await DockerNetwork.create(`kck-run-${id}`, sessionLabels({ 'kck.io/cluster': id }), `kckd${id}`);
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

  /** Where components on the run network reach the apiserver instance: itself, and the load balancer in front of it. */
  inNetworkUrls(instance: string): string[] {
    const url = this.inNetworkApiservers.get(instance);
    if (url === undefined) throw new Error(`no apiserver instance ${instance}`);
    return [...new Set([url, this.inNetworkServer])];
  }

  client(identity: Identity = { kind: 'admin' }): KubeClient {
    return this.clientAt(this.server, identity);
  }

  private clientAt(server: string, identity: Identity = { kind: 'admin' }): KubeClient {
    const client = new KubeClient(this.credentials.connection(server, identity), (id) => this.credentials.connection(server, id));
    this.clients.push(client);
    return client;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    await this.saveLogs();
    // Nodes first: their kubelets would otherwise log a dead apiserver while being removed.
    await Promise.all([...this.nodes.values()].map((n) => n.container.remove()));
    this.nodes.clear();
    await Promise.all([...this.components.values()].map((c) => c.remove()));
    this.components.clear();
    await this.net.remove();
    await rm(this.stateDir, { recursive: true, force: true });
    this.release();
  }

  /**
   * With KCK_DOCKER_LOGS_DIR set, every container's output is kept there (<cluster>-<instance>.log)
   * before the containers go: a node's supervisor prefixes each line with its component.
   */
  private async saveLogs(): Promise<void> {
    const dir = process.env['KCK_DOCKER_LOGS_DIR'];
    if (dir === undefined || dir === '') return;
    await mkdir(dir, { recursive: true });
    const all = [...[...this.nodes.values()].map((n) => n.container), ...this.components.values()];
    await Promise.all(all.map(async (c) => writeFile(join(dir, `${this.id}-${c.spec.instance}.log`), await c.logTail(100_000))));
  }

  /**
   * The containers' logs, read from docker when a failed scenario asks; each container is a
   * source (a node's supervisor prefixes each line with its component).
   */
  logs(): ComponentLogs {
    return {
      linesNaming: async (needle, perSource) => {
        const all = [...[...this.nodes.values()].map((n) => n.container), ...this.components.values()];
        const texts = await Promise.all(all.map(async (c) => ({ source: c.spec.instance, text: await c.logTail(20_000) })));
        return texts.sort((a, b) => a.source.localeCompare(b.source)).flatMap((t) => linesNaming(t.source, t.text, needle, perSource));
      },
    };
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

  /** Adds a node container (runtime, kubelet, kube-proxy) and returns the node's name once Ready. */
  async addNode(): Promise<string> {
    const [name] = await this.planNodes(1);
    await this.startNode(name as string);
    return name as string;
  }

  /** Plans `count` more nodes: addresses, credentials, plan files; starts nothing. */
  private async planNodes(count: number): Promise<string[]> {
    const containerd = this.cri === 'containerd';
    if (this.nodeImage === '') this.nodeImage = await kitImage(containerd ? 'node-containerd' : 'node');
    const names: string[] = [];
    for (let k = 0; k < count; k++) {
      const index = this.nodes.size + 1;
      if (index > MAX_NODES) throw new Error(`the docker cluster has at most ${MAX_NODES} nodes`);
      const name = `node-${index}`;
      const address = this.net.address(NODE_ADDRESS_BASE + index);
      const hostDir = join(this.stateDir, 'nodes', name);
      const manifestDir = join(hostDir, 'manifests');
      await mkdir(manifestDir, { recursive: true, mode: 0o755 });
      const plan = dockerNodePlan({ name, index, address, manifestDir });
      const files = await writeNodeFiles(referenceNodeCredentials(this.credentials, this.inNetworkServer), plan);
      // Without a cloud-controller-manager, kubelets register without its taint.
      const nodeOptions = { proxyMode: this.proxyMode, ipvsScheduler: 'rr', cloudProvider: this.cloudProvider };
      const containerPlan = containerd ? containerdNodePlan(plan, files, nodeOptions) : nodeContainerPlan(plan, files, nodeOptions);
      const planFile = join(hostDir, 'plan.json');
      await writeFile(planFile, `${JSON.stringify(containerPlan, null, 2)}\n`);
      const admin = this.client();
      const container = new DockerComponent({
        ...this.common(name, address),
        instance: name,
        image: this.nodeImage,
        nodePrivileges: true,
        // containerd's runc needs writable cgroups and overlayfs snapshots off overlay2 (node-containerd-plan.ts, node-setup.ts).
        ...(containerd ? { privateCgroupns: true, tmpfs: CONTAINERD_TMPFS } : {}),
        command: ['node', '--plan', planFile],
        args: containerPlan.components.flatMap((c) => [c.kck, ...c.args]),
        afterStart: () => this.addRoutes(name),
        ready: async () => {
          await nodeReady(admin, name);
          await proxyReady(plan);
        },
        readyTimeoutMs: 180_000,
      });
      this.nodes.set(name, { plan, containerPlan, container });
      names.push(name);
    }
    return names;
  }

  private async startNode(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    await node.container.start();
  }

  /**
   * Routes between `name` and every other node: in `name` to all planned nodes (a route via
   * an on-link address needs nothing of the other end), in every other running node to
   * `name`. Idempotent (`ip route replace`); a node not running yet adds its own at start.
   */
  async addRoutes(name: string): Promise<void> {
    const self = this.nodes.get(name);
    if (self === undefined) return;
    const all = [...this.nodes.values()].map((n) => n.plan);
    for (const route of podRoutes(self.plan, all)) await self.container.exec(route);
    await Promise.all([...this.nodes.values()].filter((n) => n !== self && n.container.running).map(async (n) => {
      for (const route of podRoutes(n.plan, [self.plan])) await n.container.exec(route).catch(() => undefined);
    }));
  }

  private async boot(options: DockerClusterOptions): Promise<void> {
    const etcd = await this.startEtcd(options.etcd ?? 'docker');
    for (let i = 1; i <= MAX_NODES; i++) this.credentials.addNode(`node-${i}`);
    this.proxyMode = options.proxyMode ?? 'iptables';
    this.cloudProvider = options.cloudProvider ?? true;
    this.cri = options.cri ?? 'reference';
    await this.credentials.writeTokenFile();
    const count = options.apiservers ?? 1;
    const replicas = options.controllerReplicas ?? 1;
    if (count < 1 || count > MAX_REPLICAS || replicas < 1 || replicas > MAX_REPLICAS) throw new Error(`the docker cluster runs 1..${MAX_REPLICAS} replicas of each control-plane component`);
    const ips = Array.from({ length: count }, (_, i) => this.net.address(ADDRESS.apiserver + i));
    const balanced = count > 1;
    const lbIp = this.net.address(ADDRESS.loadBalancer);
    // TLS passes through the load balancer, so the apiservers' certificate names its address too.
    const serving = await this.credentials.ca.issue({
      name: 'docker-apiserver', commonName: 'kube-apiserver', usage: 'server',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'], ipAddresses: ['127.0.0.1', ...ips, ...(balanced ? [lbIp] : [])],
    });
    const urls = await Promise.all(ips.map(async () => `https://127.0.0.1:${await freePort()}`));
    const lbUrl = balanced ? `https://127.0.0.1:${await freePort()}` : undefined;
    this.server = lbUrl ?? (urls[0] as string);
    this.adminKubeconfig = await this.credentials.writeKubeconfig('admin', this.server, { kind: 'admin' });
    const inNetwork = `https://${balanced ? lbIp : (ips[0] as string)}:${APISERVER_PORT}`;
    this.inNetworkServer = inNetwork;
    // Node and the kit's sources take seconds to boot in each container, so the scheduler and
    // controller-manager boot beside the apiserver(s) and campaign for their Lease until it
    // answers (as upstream static Pods do). All settle before a failure is thrown, so stop()
    // sees every container that was created.
    const controllers: ControllerName[] = [...(options.controllers ?? ['kube-scheduler', 'kube-controller-manager']), ...(this.cloudProvider ? ['cloud-controller-manager' as const] : [])];
    const apiservers = urls.map((url, i) => this.startApiserver(`kube-apiserver-${i + 1}`, ips[i] as string, url, etcd, serving));
    // Its role is granted before it campaigns, through the first apiserver itself: the load
    // balancer in front (this.server) may still be starting.
    const cloudGranted = this.cloudProvider ? Promise.all(apiservers).then(async () => grantCloudControllerManager(this.clientAt(urls[0] as string))) : Promise.resolve();
    await settleAll([
      ...apiservers,
      ...(lbUrl === undefined ? [] : [this.startLoadBalancer(lbIp, lbUrl, ips.map((ip) => `https://${ip}:${APISERVER_PORT}`))]),
      ...controllers.flatMap((name, c) => Array.from({ length: replicas }, async (_, r) => {
        if (name === 'cloud-controller-manager') await cloudGranted;
        await this.startController(name, r + 1, this.net.address(ADDRESS.controller + c * MAX_REPLICAS + r), inNetwork);
      })),
    ]);
    const nodeCount = options.nodes ?? 0;
    if (nodeCount === 0) return;
    // Nodes boot side by side: most of a node's start is node loading the kit's sources.
    const names = await this.planNodes(nodeCount);
    await settleAll(names.map((n) => this.startNode(n)));
    await markControlPlaneNode(this.client(), 'node-1');
  }

  /** The reference L4 load balancer in front of the apiservers (S4.4), published on 127.0.0.1. */
  private async startLoadBalancer(ip: string, url: string, backends: string[]): Promise<void> {
    const args = ['--listen', `0.0.0.0:${APISERVER_PORT}`, '--backends', backends.join(',')];
    const probe = new KubeClient(this.credentials.connection(url, { kind: 'admin' }));
    try {
      await this.launch(new DockerComponent({
        ...this.common('apiserver-lb', ip),
        instance: 'apiserver-lb',
        image: this.runtimeImage,
        command: ['apiserver-lb', ...args],
        args,
        loopbackPorts: new Map([[APISERVER_PORT, Number(new URL(url).port)]]),
        ready: async () => {
          const res = await probe.request('GET', '/readyz');
          if (res.status !== 200) throw new Error(`/readyz through the load balancer answered ${res.status}`);
        },
      }));
    } finally {
      probe.close();
    }
  }

  private async startEtcd(kind: 'docker' | 'docker-reference'): Promise<string> {
    const ip = this.net.address(ADDRESS.etcd);
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
    this.inNetworkApiservers.set(instance, `https://${ip}:${APISERVER_PORT}`);
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
   * The loopback cloud's config: its balancers in 127.a.b.0/24 for this run's subnet 10.a.b.0/24,
   * which no other docker network of the kit's has while this one exists (a ≥ 79: apart from the
   * reference clusters' 127.78/16 and the unconfigured default, 127.77/16).
   */
  private async cloudConfig(): Promise<string[]> {
    const [, a, b] = this.net.address(0).split('.');
    const file = join(this.stateDir, 'loopback-cloud.json');
    await writeFile(file, `${JSON.stringify({ loadBalancerAddresses: `127.${a ?? ''}.${b ?? ''}.0/24` })}\n`);
    return ['--cloud-config', file];
  }

  /**
   * Scheduler, controller-manager or cloud-controller-manager with the reference cluster's
   * flags: ready once it holds its leader-election Lease.
   */
  private async startController(name: ControllerName, replica: number, ip: string, inNetworkServer: string): Promise<void> {
    const cloud = name === 'cloud-controller-manager';
    // On the host's network the apiserver is its published port on 127.0.0.1.
    const kubeconfig = await this.credentials.writeKubeconfig(`docker-${name}`, cloud ? this.server : inNetworkServer, { kind: 'component', name });
    const args = ['--kubeconfig', kubeconfig, '--leader-elect=true', ...REFERENCE_CONTROLLER_FLAGS[name], ...(cloud ? await this.cloudConfig() : [])];
    const probe = this.client();
    const instance = `${name}-${replica}`;
    const common = this.common(instance, ip);
    await this.launch(new DockerComponent({
      ...common,
      ...(cloud ? { network: 'host', ip: undefined } : {}),
      instance,
      image: this.runtimeImage,
      // The Lease holder identity starts with the instance name, so faults can find the leader.
      env: { KCK_INSTANCE: instance },
      command: [CONTROLLER_COMMAND[name], ...args],
      args,
      ready: async () => {
        const lease = await probe.get<KubeObject & { spec?: { holderIdentity?: string } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name });
        if ((lease?.spec?.holderIdentity ?? '') === '') throw new Error(`${name} holds no Lease yet`);
      },
      readyTimeoutMs: 120_000,
    }));
  }
}
