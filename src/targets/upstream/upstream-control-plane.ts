/**
 * A local upstream Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) built from source by upstream/build.sh, in the spirit of envtest and
 * hack/local-up-cluster.sh: loopback only, random ports, one temporary state folder, client
 * certificates for the admin and for each component, RBAC and Node authorization on.
 *
 * startUpstreamControlPlane() returns once each apiserver (and the load balancer in front of
 * several) answers /readyz and every controller instance answers /healthz; stop() ends them in
 * reverse order (SIGTERM, SIGKILL after a deadline) and removes the state folder.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority } from '../../pki/pki.ts';
import { apiserverArgs, authenticationConfigYaml, controllerManagerArgs, etcdArgs, schedulerArgs, type ControlPlaneLayout } from './control-plane-flags.ts';
import { freePorts } from '../../process/free-port.ts';
import { kubeconfigYaml } from './kubeconfig-yaml.ts';
import { startManagedProcess, type ManagedProcess } from '../../process/managed-process.ts';
import { withOwnHostname } from '../../process/own-hostname.ts';
import { settleAll } from '../../process/settle-all.ts';
import { KCK_BIN } from '../reference/component-process.ts';
import { findEtcd, missingUpstreamBinaries, upstreamBinDir } from './upstream-binaries.ts';
import { waitFor200, type Credentials } from './wait-for-https.ts';

export interface UpstreamControlPlaneOptions {
  /** Folder with kube-apiserver, kube-controller-manager, kube-scheduler (default: the build cache). */
  binDir?: string;
  /** The etcd binary (default: KCK_ETCD_BIN or Debian's /usr/bin/etcd). */
  etcdPath?: string;
  /** Where state goes (default: a fresh temp folder, removed on stop unless keepState). */
  stateDir?: string;
  keepState?: boolean;
  /** Start kube-controller-manager and kube-scheduler (default true each). */
  controllerManager?: boolean;
  scheduler?: boolean;
  serviceClusterIpRange?: string;
  clusterCidr?: string;
  /**
   * Where the apiserver listens and what it advertises (default 127.0.0.1). Nodes in network
   * namespaces reach it on the host's address of their bridge, as in the reference cluster;
   * that address also goes into its serving certificate and every kubeconfig.
   */
  bindAddress?: string;
  /**
   * kube-apiserver instances (default 1). Several share the etcd and sit behind the kit's L4
   * load balancer (reference/apiserver-lb), whose address every client and component uses.
   */
  apiservers?: number;
  /**
   * kube-scheduler and kube-controller-manager instances each (default 1). Several elect a
   * leader through their Leases; each runs in a UTS namespace of its own with its instance
   * name as hostname, so the Lease's holder identity (hostname_uuid) names the instance, as
   * on separate machines. That needs root.
   */
  controllerReplicas?: number;
  /** Extra kube-controller-manager flags, e.g. a shorter --node-monitor-grace-period. */
  controllerManagerArgs?: readonly string[];
  /** Deadline for the whole start (default 120 s: a loaded 2-core machine is slow). */
  startTimeoutMs?: number;
  /** One line per notable event (default: stderr). */
  log?: (line: string) => void;
}

export interface ClientCredentials {
  kubeconfigPath: string;
  certPem: string;
  keyPem: string;
}

export interface UpstreamControlPlane {
  /** An admin (system:masters) kubeconfig. */
  readonly kubeconfigPath: string;
  /** https://<bind address>:<port>: the apiserver, or the load balancer in front of several. */
  readonly server: string;
  /** Each kube-apiserver instance's own URL, by instance name. */
  readonly apiserverUrls: ReadonlyMap<string, string>;
  readonly caPem: string;
  readonly stateDir: string;
  /** Key material paths, e.g. to run more controllers (startUpstreamComponents) against it. */
  readonly pki: { caCert: string; caKey: string; serviceAccountKey: string; serviceAccountPub: string };
  /** PIDs and log files of the components as first started, for debugging. */
  readonly processes: ReadonlyMap<string, { pid: number; logPath: string }>;
  /** The components by instance name (etcd-1, kube-apiserver-1, ...), for fault injection and topology. */
  readonly components: ReadonlyMap<string, ControlPlaneComponent>;
  /** A client certificate and kubeconfig for any user, e.g. `system:node:n1` in `system:nodes`. */
  issueClient(user: string, groups?: readonly string[]): Promise<ClientCredentials>;
  /** A serving certificate from the cluster CA (e.g. a kubelet's, which the apiserver verifies). */
  issueServingCert(name: string, commonName: string, ipAddresses: readonly string[], dnsNames?: readonly string[]): Promise<{ certPath: string; keyPath: string }>;
  stop(): Promise<void>;
}

/** One process of the control plane that the kit can kill, stop and start again (same flags, same data). */
export interface ControlPlaneComponent {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly running: boolean;
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Starts it again and waits until it answers its health endpoint. */
  start(): Promise<void>;
}

const FIRST_SERVICE_IP = (range: string): string => {
  // 10.0.0.0/24 -> 10.0.0.1: the apiserver gives this address to the `kubernetes` Service.
  const [ip] = range.split('/');
  const parts = (ip ?? '').split('.').map(Number);
  parts[3] = (parts[3] ?? 0) + 1;
  return parts.join('.');
};

export async function startUpstreamControlPlane(opts: UpstreamControlPlaneOptions = {}): Promise<UpstreamControlPlane> {
  // A port picked as free can be taken before the component binds it; retry the whole start.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (error) {
      if (attempt < 3 && error instanceof Error && /address already in use/.test(error.message)) continue;
      throw error;
    }
  }
}

async function startOnce(opts: UpstreamControlPlaneOptions): Promise<UpstreamControlPlane> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[upstream] ${line}\n`));
  let deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
  const remaining = (): number => Math.max(1_000, deadline - Date.now());
  const binDir = opts.binDir ?? upstreamBinDir();
  const missing = await missingUpstreamBinaries(binDir);
  if (missing.length > 0) throw new Error(`upstream binaries missing in ${binDir}: ${missing.join(', ')} (run npm run upstream:build)`);
  const etcdPath = opts.etcdPath ?? (await findEtcd());

  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'kck-upstream-')));
  await mkdir(stateDir, { recursive: true });
  const running: ManagedProcess[] = [];
  const components = new Map<string, ControlPlaneComponent>();
  const current = new Map<string, ManagedProcess>();
  /** Set once stop() began: the supervisor restarts nothing from then on. */
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const name of [...components.keys()].reverse()) await components.get(name)?.stop();
    for (const p of [...running].reverse()) {
      await p.stop();
      log(`${p.name} stopped (${p.exitStatus() ?? 'unknown'})`);
    }
    running.length = 0;
    components.clear();
    current.clear();
    if (opts.keepState !== true && opts.stateDir === undefined) await rm(stateDir, { recursive: true, force: true });
  };

  try {
    const apiservers = opts.apiservers ?? 1;
    const replicas = opts.controllerReplicas ?? 1;
    const ports = await freePorts(3 + apiservers + 2 * replicas);
    const take = (n: number): number[] => ports.splice(0, n);
    const [etcdClientPort = 0, etcdPeerPort = 0, lbPort = 0] = take(3);
    const apiserverPorts = take(apiservers);
    const controllerManagerPorts = take(replicas);
    const schedulerPorts = take(replicas);
    const serviceClusterIpRange = opts.serviceClusterIpRange ?? '10.0.0.0/24';
    const bindAddress = opts.bindAddress ?? '127.0.0.1';
    const apiserverUrls = new Map(apiserverPorts.map((port, i) => [`kube-apiserver-${i + 1}`, `https://${bindAddress}:${port}`]));
    const server = apiservers > 1 ? `https://${bindAddress}:${lbPort}` : [...apiserverUrls.values()][0] ?? '';

    const ca = await createCertificateAuthority(join(stateDir, 'pki'), 'kck-upstream-ca');
    const apiserverCert = await ca.issue({
      name: 'apiserver', commonName: 'kube-apiserver', usage: 'server',
      ipAddresses: [...new Set(['127.0.0.1', bindAddress, FIRST_SERVICE_IP(serviceClusterIpRange)])],
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    });
    const kubeletClient = await ca.issue({ name: 'apiserver-kubelet-client', commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' });
    const sa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const serviceAccountKey = join(stateDir, 'pki', 'sa.key');
    const serviceAccountPub = join(stateDir, 'pki', 'sa.pub');
    await writeFile(serviceAccountKey, sa.privateKey, { mode: 0o600 });
    await writeFile(serviceAccountPub, sa.publicKey);

    const issueClientNow = async (user: string, groups: readonly string[]): Promise<ClientCredentials> => {
      const file = user.replace(/[^a-zA-Z0-9.-]/g, '_');
      const cert = await ca.issue({ name: `client-${file}`, commonName: user, organizations: groups, usage: 'client' });
      const kubeconfigPath = join(stateDir, `${file}.kubeconfig`);
      await writeFile(kubeconfigPath, kubeconfigYaml({ server, caPem: ca.certPem, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem, user }), { mode: 0o600 });
      return { kubeconfigPath, certPem: cert.certPem, keyPem: cert.keyPem };
    };
    // One identity is issued once: nodes that start side by side all ask for kube-proxy's, and
    // two writes of one kubeconfig file at once can leave it torn.
    const issuedClients = new Map<string, Promise<ClientCredentials>>();
    const issueClient = (user: string, groups: readonly string[] = []): Promise<ClientCredentials> => {
      const key = JSON.stringify([user, [...groups].sort()]);
      let issued = issuedClients.get(key);
      if (issued === undefined) {
        issued = issueClientNow(user, groups);
        issuedClients.set(key, issued);
        issued.catch(() => issuedClients.delete(key));
      }
      return issued;
    };
    const issueServingCert = async (name: string, commonName: string, ipAddresses: readonly string[], dnsNames: readonly string[] = []): Promise<{ certPath: string; keyPath: string }> =>
      ca.issue({ name: `serving-${name.replace(/[^a-zA-Z0-9.-]/g, '_')}`, commonName, ipAddresses: [...ipAddresses], dnsNames: [...dnsNames], usage: 'server' });
    const admin = await issueClient('kck-admin', ['system:masters']);
    // The CNs below are the users the default RBAC policy binds the components' roles to.
    const controllerManager = await issueClient('system:kube-controller-manager');
    const scheduler = await issueClient('system:kube-scheduler');
    const kubeconfigPath = join(stateDir, 'admin.kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml({ server, caPem: ca.certPem, clientCertPem: admin.certPem, clientKeyPem: admin.keyPem, user: 'kck-admin' }), { mode: 0o600 });
    const authenticationConfig = join(stateDir, 'authentication-config.yaml');
    await writeFile(authenticationConfig, authenticationConfigYaml());

    const layout: ControlPlaneLayout = {
      stateDir, bindAddress, etcdDataDir: join(stateDir, 'etcd'), etcdClientPort, etcdPeerPort,
      apiserverPorts, server, controllerManagerPorts, schedulerPorts, authenticationConfig,
      serviceClusterIpRange, clusterCidr: opts.clusterCidr ?? '10.244.0.0/16',
      pki: {
        caCert: ca.certPath, caKey: ca.keyPath, apiserverCert: apiserverCert.certPath, apiserverKey: apiserverCert.keyPath,
        apiserverKubeletClientCert: kubeletClient.certPath, apiserverKubeletClientKey: kubeletClient.keyPath, serviceAccountKey, serviceAccountPub,
      },
      controllerManagerKubeconfig: controllerManager.kubeconfigPath,
      schedulerKubeconfig: scheduler.kubeconfigPath,
    };

    /** Instances that run with their name as hostname (see controllerReplicas). */
    const ownHostname = new Set<string>();
    const start = async (name: string, command: string, args: string[]): Promise<ManagedProcess> => {
      const [exe, argv] = ownHostname.has(name) ? withOwnHostname(name, command, args) : [command, args];
      const p = await startManagedProcess(name, exe, argv, join(stateDir, `${name}.log`));
      running.push(p);
      current.set(name, p);
      log(`${name} started (pid ${p.pid}, log ${p.logPath})`);
      return p;
    };
    /**
     * Registers a started component for faults (kill/stop end the current process, start runs
     * the same command again) and supervises it as the kubelet supervises kubeadm's static
     * Pods: an exit the kit did not cause is followed by a restart. kube-scheduler and
     * kube-controller-manager exit by design when they lose their leader-election Lease
     * (e.g. the apiserver was away past the renew deadline) and rely on exactly that.
     */
    const manage = (p: ManagedProcess, command: string, args: string[], url: string, creds: Credentials): void => {
      const name = p.name;
      let intended = false;
      let restarts = 0;
      const supervise = (proc: ManagedProcess): void => {
        void proc.exited.then(async () => {
          if (intended || stopping || current.get(name) !== proc) return;
          // Back off as the kubelet does for a crashing container (10 s doubling, capped), shorter.
          const delayMs = Math.min(1_000 * 2 ** restarts, 10_000);
          restarts += 1;
          log(`${name} exited (${proc.exitStatus() ?? 'unknown'}) without the kit stopping it; restarting in ${delayMs} ms`);
          await new Promise((r) => setTimeout(r, delayMs));
          if (intended || stopping || current.get(name) !== proc) return;
          const again = await start(name, command, args).catch((error: unknown) => { log(`${name} restart failed: ${String(error)}`); return undefined; });
          if (again !== undefined) supervise(again);
        });
      };
      supervise(p);
      components.set(name, {
        name, command, args,
        get running() { const c = current.get(name); return c !== undefined && c.exitStatus() === undefined; },
        kill: async () => { intended = true; await current.get(name)?.kill(); },
        stop: async () => { intended = true; await current.get(name)?.stop(); },
        start: async () => {
          const c = current.get(name);
          if (c !== undefined && c.exitStatus() === undefined) throw new Error(`${name} is already running`);
          intended = false;
          const again = await start(name, command, args);
          supervise(again);
          deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
          await waitReady(again, url, creds);
        },
      });
    };
    const waitReady = async (p: ManagedProcess, url: string, creds: Credentials): Promise<void> => {
      try {
        await waitFor200(url, creds, remaining(), () => { const s = p.exitStatus(); return s === undefined ? undefined : `${p.name} exited (${s})`; });
      } catch (error) {
        throw new Error(`${p.name} did not get ready: ${(error as Error).message}\n--- ${p.logPath} (tail) ---\n${await p.logTail()}`);
      }
      log(`${p.name} ready (${url})`);
    };

    const launch = async (name: string, command: string, args: string[], url: string, creds: Credentials): Promise<void> => {
      const p = await start(name, command, args);
      await waitReady(p, url, creds);
      manage(p, command, args, url, creds);
    };
    await launch('etcd-1', etcdPath, etcdArgs(layout), `http://127.0.0.1:${etcdClientPort}/health`, {});
    const adminCreds: Credentials = { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem };
    await settleAll([...apiserverUrls].map(([name, url], i) => launch(name, join(binDir, 'kube-apiserver'), apiserverArgs(layout, i), `${url}/readyz`, adminCreds)));
    if (apiservers > 1) {
      const lb = await start('apiserver-lb', process.execPath, [KCK_BIN, 'apiserver-lb', '--listen', `${bindAddress}:${lbPort}`, '--backends', [...apiserverUrls.values()].join(',')]);
      await waitReady(lb, `${server}/readyz`, adminCreds);
    }
    const controllers: Array<Promise<void>> = [];
    // Both serve /healthz with a self-signed certificate of their own; the path is always allowed.
    for (let i = 0; i < replicas; i++) {
      if (opts.controllerManager !== false) {
        const name = `kube-controller-manager-${i + 1}`;
        if (replicas > 1) ownHostname.add(name);
        controllers.push(launch(name, join(binDir, 'kube-controller-manager'), [...controllerManagerArgs(layout, i), ...(opts.controllerManagerArgs ?? [])], `https://127.0.0.1:${controllerManagerPorts[i] ?? 0}/healthz`, { insecure: true }));
      }
      if (opts.scheduler !== false) {
        const name = `kube-scheduler-${i + 1}`;
        if (replicas > 1) ownHostname.add(name);
        controllers.push(launch(name, join(binDir, 'kube-scheduler'), schedulerArgs(layout, i), `https://127.0.0.1:${schedulerPorts[i] ?? 0}/healthz`, { insecure: true }));
      }
    }
    await settleAll(controllers);

    let stopped: Promise<void> | undefined;
    return {
      kubeconfigPath,
      server,
      apiserverUrls,
      caPem: ca.certPem,
      stateDir,
      pki: { caCert: ca.certPath, caKey: ca.keyPath, serviceAccountKey, serviceAccountPub },
      processes: new Map(running.map((p) => [p.name, { pid: p.pid, logPath: p.logPath }])),
      components,
      issueClient,
      issueServingCert,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
