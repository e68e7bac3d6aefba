/**
 * A miniature cluster network for data-plane tests (root only): a "node" namespace routing
 * between point-to-point veth links to "pod" namespaces (backends and a client, each in
 * 10.244.<k>.0/24 with the node at .1 and the pod at .2) and an "outside" namespace on
 * 172.31.<x>.0/24 that only knows the node's address. Every name starts with kck- and is
 * unique per topology; `destroy()` stops the processes it started and deletes the
 * namespaces (which deletes their links).
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Child } from './child-process.ts';
import { runCommand } from '../shell/run-command.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const NODE_ARGS = ['--import', 'tsx'];

async function sh(args: string[]): Promise<void> {
  const r = await runCommand(args[0]!, args.slice(1));
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr.trim()}`);
}

export class Agent {
  private nextId = 1;
  private readonly pending = new Map<number, (value: unknown) => void>();
  constructor(readonly child: Child) {
    child.process.stdout.on('data', () => {
      for (const line of child.lines.splice(0)) {
        if (!line.startsWith('{')) continue;
        const msg = JSON.parse(line) as { id: number; result?: unknown; error?: string };
        this.pending.get(msg.id)?.(msg.error !== undefined ? { ok: false, error: msg.error } : msg.result);
        this.pending.delete(msg.id);
      }
    });
  }
  call<T>(command: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (v: unknown) => void);
      this.child.write(JSON.stringify({ id, ...command }));
    });
  }
}

export interface Pod {
  ns: string;
  ip: string;
  gateway: string;
}

export class NetnsTopology {
  readonly id = randomBytes(2).toString('hex');
  readonly node = `kck-px${this.id}-node`;
  readonly outside = `kck-px${this.id}-out`;
  /** Third octet of the outside link; the node's address there is nodeIP. */
  private readonly outsideNet = 16 + (parseInt(this.id, 16) % 200);
  readonly nodeIP = `172.31.${this.outsideNet}.1`;
  readonly outsideIP = `172.31.${this.outsideNet}.2`;
  readonly pods = new Map<string, Pod>();
  private readonly namespaces: string[] = [];
  private readonly children: Child[] = [];

  async create(podNames: readonly string[]): Promise<void> {
    await this.addNs(this.node);
    await sh(['ip', 'netns', 'exec', this.node, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await this.addNs(this.outside);
    await this.link(this.outside, 'o', `${this.nodeIP}/24`, `${this.outsideIP}/24`, undefined);
    // The node's default route points outside, as on a real node: traffic to a service
    // address without rules then reaches FORWARD/OUTPUT (where REJECT answers) instead of
    // failing route lookup.
    await sh(['ip', '-n', this.node, 'route', 'add', 'default', 'via', this.outsideIP]);
    let k = 1;
    for (const name of podNames) {
      const ns = `kck-px${this.id}-${name}`;
      await this.addNs(ns);
      const pod = { ns, ip: `10.244.${k}.2`, gateway: `10.244.${k}.1` };
      await this.link(ns, `p${k}`, `${pod.gateway}/24`, `${pod.ip}/24`, pod.gateway);
      this.pods.set(name, pod);
      k++;
    }
  }

  private async addNs(ns: string): Promise<void> {
    await sh(['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
    await sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }

  private async link(ns: string, suffix: string, nodeAddr: string, peerAddr: string, gateway: string | undefined): Promise<void> {
    const nodeSide = `kpx${this.id}${suffix}`;
    await sh(['ip', '-n', this.node, 'link', 'add', nodeSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await sh(['ip', '-n', this.node, 'addr', 'add', nodeAddr, 'dev', nodeSide]);
    await sh(['ip', '-n', this.node, 'link', 'set', nodeSide, 'up']);
    await sh(['ip', '-n', ns, 'addr', 'add', peerAddr, 'dev', 'eth0']);
    await sh(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    if (gateway !== undefined) await sh(['ip', '-n', ns, 'route', 'add', 'default', 'via', gateway]);
  }

  /** Starts a program from this folder (or any .ts path) inside `ns` with tsx. */
  spawn(ns: string, script: string, args: readonly string[] = []): Child {
    const path = script.includes('/') ? script : `${here}${script}`;
    const child = new Child('ip', ['netns', 'exec', ns, process.execPath, ...NODE_ARGS, path, ...args]);
    this.children.push(child);
    return child;
  }

  async backend(podName: string, port: number): Promise<void> {
    const pod = this.pods.get(podName)!;
    const child = this.spawn(pod.ns, 'serve-hostname.ts', ['--name', podName, '--host', pod.ip, '--port', String(port)]);
    await child.waitFor(/^ready$/, 60_000);
  }

  async agent(ns: string): Promise<Agent> {
    const child = this.spawn(ns, 'netns-agent.ts');
    await child.waitFor(/^agent ready$/, 60_000);
    child.lines.splice(0);
    return new Agent(child);
  }

  async exec(ns: string, args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return runCommand('ip', ['netns', 'exec', ns, ...args], stdin);
  }

  async destroy(): Promise<void> {
    await Promise.allSettled(this.children.map((c) => c.stop()));
    for (const ns of this.namespaces.reverse()) await runCommand('ip', ['netns', 'del', ns]);
  }
}
