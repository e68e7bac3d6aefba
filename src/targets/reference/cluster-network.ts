/**
 * The network of a reference cluster, as root: every node is a network namespace of its
 * own, joined to the others by a bridge on the host (like machines on one switch). Inside its
 * namespace a node runs its runtime (whose pod bridge and pod namespaces hang off the node),
 * its kubelet and its kube-proxy, whose iptables rules therefore change that node only, never
 * the host. The host side of the bridge holds the apiserver's address; etcd stays on the
 * host's loopback, which no node can reach (S4.6).
 *
 *   host: bridge kckb<id> 10.250.<id>.1/24 ── veth ── node n: eth0 10.250.<id>.<10+n>/24
 *   node n: pod bridge cbr0 10.244.<n>.1/24, routes to other nodes' pod CIDRs via their eth0
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

async function ip(...args: string[]): Promise<void> {
  await exec('ip', args);
}

async function exists(args: string[]): Promise<boolean> {
  try {
    await exec('ip', args);
    return true;
  } catch {
    return false;
  }
}

export interface NodeNamespace {
  name: string;
  index: number;
  netns: string;
  address: string;
  podCidr: string;
}

/** Whether this process may build namespaces: root with iproute2. */
export async function canBuildNamespaces(): Promise<boolean> {
  return process.getuid?.() === 0 && (await exists(['-V']));
}

let claimed = new Set<number>();

export class ClusterNetwork {
  private readonly nodes: NodeNamespace[] = [];
  private forwardRule = false;

  private constructor(readonly id: number) {}

  get bridge(): string {
    return `kckb${this.id}`;
  }

  /** The host's address on the cluster bridge: where nodes reach the apiserver. */
  get hostAddress(): string {
    return `10.250.${this.id}.1`;
  }

  static async create(): Promise<ClusterNetwork> {
    // Several clusters may run at once, in this process (disruptive scenarios get their own)
    // and in others (two checkouts): creating the bridge is the claim, since the kernel lets
    // only one process create a link of that name.
    for (let id = 1; id < 250; id++) {
      if (claimed.has(id)) continue;
      const network = new ClusterNetwork(id);
      try {
        await ip('link', 'add', network.bridge, 'type', 'bridge');
      } catch {
        continue;
      }
      claimed.add(id);
      try {
        await network.removeLeftovers();
        await ip('addr', 'add', `${network.hostAddress}/24`, 'dev', network.bridge);
        await ip('link', 'set', network.bridge, 'up');
        // Where docker has set the host's FORWARD policy to DROP and bridged traffic passes
        // iptables (br_netfilter), node-to-node traffic needs an explicit accept.
        await exec('iptables', ['-I', 'FORWARD', '-i', network.bridge, '-o', network.bridge, '-j', 'ACCEPT']).then(() => (network.forwardRule = true), () => undefined);
      } catch (error) {
        await network.destroy();
        throw error;
      }
      return network;
    }
    throw new Error('no free cluster network id (kckb1..kckb249 all exist)');
  }

  async addNode(name: string, index: number): Promise<NodeNamespace> {
    const node: NodeNamespace = { name, index, netns: `kck${this.id}-${name}`.slice(0, 60), address: `10.250.${this.id}.${10 + index}`, podCidr: `10.244.${index}.0/24` };
    const hostEnd = `kv${this.id}n${index}`;
    await ip('netns', 'add', node.netns);
    this.nodes.push(node);
    await ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns);
    await ip('link', 'set', hostEnd, 'master', this.bridge, 'up');
    const inNode = (...args: string[]): Promise<void> => ip('-n', node.netns, ...args);
    await inNode('link', 'set', 'lo', 'up');
    await inNode('addr', 'add', `${node.address}/24`, 'dev', 'eth0');
    await inNode('link', 'set', 'eth0', 'up');
    // A default route, so traffic to Service addresses without endpoints meets kube-proxy's
    // REJECT rather than "no route".
    await inNode('route', 'add', 'default', 'via', this.hostAddress);
    for (const other of this.nodes) {
      if (other === node) continue;
      await inNode('route', 'add', other.podCidr, 'via', other.address);
      await ip('-n', other.netns, 'route', 'add', node.podCidr, 'via', node.address);
    }
    return node;
  }

  /** The command prefix that runs a program inside a node. */
  execPrefix(node: NodeNamespace): string[] {
    return ['ip', 'netns', 'exec', node.netns];
  }

  /** Node namespaces and links a killed run left behind under this id would clash with new ones. */
  private async removeLeftovers(): Promise<void> {
    // The kernel tears a deleted namespace down later, its veth with it: delete the host ends
    // now (that removes both ends at once), or the next `ip link add` of the name may find it.
    await this.deleteHostEnds();
    const { stdout } = await exec('ip', ['netns', 'list']);
    for (const line of stdout.split('\n')) {
      const name = line.split(' ')[0] ?? '';
      if (name.startsWith(`kck${this.id}-`)) await ip('netns', 'delete', name).catch(() => undefined);
    }
    await exec('iptables', ['-D', 'FORWARD', '-i', this.bridge, '-o', this.bridge, '-j', 'ACCEPT']).catch(() => undefined);
  }

  private async deleteHostEnds(): Promise<void> {
    const { stdout } = await exec('ip', ['-o', 'link', 'show']);
    const ours = new RegExp(`^\\d+: (kv${this.id}n\\d+)[@:]`);
    for (const line of stdout.split('\n')) {
      const name = ours.exec(line)?.[1];
      if (name !== undefined) await ip('link', 'delete', name).catch(() => undefined);
    }
  }

  async destroy(): Promise<void> {
    await this.deleteHostEnds().catch(() => undefined);
    for (const node of this.nodes.splice(0)) await ip('netns', 'delete', node.netns).catch(() => undefined);
    await ip('link', 'delete', this.bridge).catch(() => undefined);
    if (this.forwardRule) await exec('iptables', ['-D', 'FORWARD', '-i', this.bridge, '-o', this.bridge, '-j', 'ACCEPT']).catch(() => undefined);
    claimed = new Set([...claimed].filter((id) => id !== this.id));
  }
}
