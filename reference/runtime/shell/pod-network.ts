/**
 * Pod networking for the reference runtime.
 *
 * netns mode (root): like the CNI bridge plugin with host-local IPAM. The node has a bridge
 * holding the gateway (first address of the pod CIDR); every sandbox gets a network namespace
 * `kck-<id>` with lo and an eth0 veth whose peer is enslaved to the bridge, an IP from the
 * pod CIDR and a default route via the gateway. All containers of the Pod run in that
 * namespace, so they share the IP and reach each other over localhost (S11.2). Pods on other
 * nodes of the same host are reachable through the host's routes to their bridges; explicit
 * FORWARD accepts keep docker's DROP policy out of the way.
 *
 * Each namespace is recorded by name under <root>/netns until torn down: a runtime that was
 * killed (SIGKILL, a crash fault) forgets its sandboxes, and the namespaces would outlive it.
 * The next runtime on the same root, or whoever removes the node, deletes what is recorded.
 *
 * loopback mode (not root): no namespaces. A Pod's IP is its pod-CIDR address with the first
 * octet replaced by 127 (10.244.1.5 -> 127.244.1.5), distinct per Pod; containers run in the
 * host network, so two Pods cannot listen on the same port and binding is not isolated.
 * This exists so an unprivileged user can still run the kit; CI runs as root in netns mode.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PodCidrAllocator } from '../core/pod-cidr.ts';
import { run, runBatch, tryRun } from './run-command.ts';

export interface PodNetworkOptions {
  podCidr: string;
  bridge: string;
  mode: 'netns' | 'loopback';
  /** The runtime's root folder, where sandbox namespaces are recorded. */
  root: string;
}

const recordDir = (root: string): string => join(root, 'netns');

/** Deletes every sandbox namespace recorded under a runtime root (a killed runtime's leftovers). */
export async function removeRecordedPodNetworks(root: string): Promise<void> {
  const names = await readdir(recordDir(root)).catch(() => [] as string[]);
  for (const name of names) {
    await removeNamespace(name);
    await rm(join(recordDir(root), name), { force: true });
  }
}

/**
 * `ip netns del` only unmounts the name: a namespace lives on while any process is in it (the
 * containers of a killed runtime, a stray child), and with it its eth0, still on the bridge
 * with the Pod's IP. Once that IP is handed out again, two interfaces answer ARP for it and
 * the new Pod is unreachable from its node. So whatever is left in the namespace is killed and
 * the host end of the veth is deleted (which deletes both ends) before the name goes.
 */
async function removeNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]).catch(() => '');
  for (const pid of pids.split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 0)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  await tryRun('ip', ['link', 'del', hostVethName(ns.slice('kck-'.length))]);
  await tryRun('ip', ['netns', 'del', ns]);
}

function hostVethName(sandboxId: string): string {
  return `kv${sandboxId.slice(0, 10)}`;
}

export interface SandboxNetwork { ip: string; netns: string | undefined }

export class PodNetwork {
  readonly mode: 'netns' | 'loopback';
  private readonly allocator: PodCidrAllocator;
  private readonly bridge: string;
  private readonly root: string;
  private createdBridge = false;
  private readonly forwardRules: string[][] = [];

  constructor(options: PodNetworkOptions) {
    this.mode = options.mode;
    this.allocator = new PodCidrAllocator(options.podCidr);
    this.bridge = options.bridge;
    this.root = options.root;
  }

  async init(): Promise<void> {
    if (this.mode !== 'netns') return;
    await removeRecordedPodNetworks(this.root);
    await mkdir(recordDir(this.root), { recursive: true });
    if (!(await tryRun('ip', ['link', 'show', this.bridge]))) {
      await run('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
      this.createdBridge = true;
      await run('ip', ['addr', 'add', `${this.allocator.gateway()}/${this.allocator.cidr.prefix}`, 'dev', this.bridge]);
    }
    await run('ip', ['link', 'set', this.bridge, 'up']);
    await tryRun('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    for (const dir of ['-i', '-o']) {
      const rule = ['FORWARD', dir, this.bridge, '-j', 'ACCEPT'];
      if (await tryRun('iptables', ['-I', ...rule])) this.forwardRules.push(rule);
    }
  }

  async setUp(sandboxId: string, hostNetwork: boolean): Promise<SandboxNetwork> {
    if (hostNetwork) return { ip: '', netns: undefined };
    const ip = this.allocator.allocate();
    if (this.mode === 'loopback') return { ip: `127.${ip.split('.').slice(1).join('.')}`, netns: undefined };
    const ns = netnsName(sandboxId);
    const host = hostVethName(sandboxId);
    const peer = `kp${sandboxId.slice(0, 10)}`;
    try {
      await writeFile(join(recordDir(this.root), ns), '');
      // Two `ip -batch` runs instead of nine processes: with a hundred Pods starting at
      // once on a loaded machine, process starts dominate the sandbox setup time.
      await runBatch([], [
        `netns add ${ns}`,
        `link add ${host} type veth peer name ${peer}`,
        `link set ${peer} netns ${ns}`,
        `link set ${host} master ${this.bridge} up`,
      ]);
      await runBatch(['-n', ns], [
        `link set ${peer} name eth0`,
        `addr add ${ip}/${this.allocator.cidr.prefix} dev eth0`,
        'link set eth0 up',
        'link set lo up',
        `route add default via ${this.allocator.gateway()}`,
      ]);
    } catch (err) {
      await tryRun('ip', ['link', 'del', host]);
      await tryRun('ip', ['netns', 'del', ns]);
      await rm(join(recordDir(this.root), ns), { force: true });
      this.allocator.release(ip);
      throw err;
    }
    return { ip, netns: ns };
  }

  async tearDown(sandboxId: string, network: SandboxNetwork): Promise<void> {
    if (!network.ip) return;
    if (network.netns) {
      await removeNamespace(network.netns);
      await rm(join(recordDir(this.root), network.netns), { force: true });
    }
    const ip = this.mode === 'loopback' ? network.ip.replace(/^127\./, `${this.allocator.gateway().split('.')[0]}.`) : network.ip;
    this.allocator.release(ip);
    void sandboxId;
  }

  async close(): Promise<void> {
    for (const rule of this.forwardRules.splice(0)) await tryRun('iptables', ['-D', ...rule]);
    if (this.createdBridge) await tryRun('ip', ['link', 'del', this.bridge]);
  }
}

export function netnsName(sandboxId: string): string {
  return `kck-${sandboxId.slice(0, 12)}`;
}
