/**
 * A private network for one etcd cluster: a bridge on the host and one network namespace per
 * member, each with its own address. Members talk to each other across the bridge; the kit
 * (in the host namespace) reaches every member directly. A partition is a set of iptables
 * rules inside the members' namespaces, so it works the same for any etcd binary and
 * never cuts the kit's own connections. Needs root, `ip` (iproute2) and `iptables`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function sh(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { timeout: 20_000 })).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || String(error)}`);
  }
}

export interface NetnsMember {
  readonly ns: string;
  readonly ip: string;
}

export class NetnsNetwork {
  private readonly members = new Map<number, NetnsMember>();
  private readonly bridge: string;
  private readonly hostIp: string;
  private forwardRule = false;

  private constructor(readonly id: number) {
    this.bridge = `kckbr${id}`;
    this.hostIp = `10.77.${id}.1`;
  }

  /** A new bridge with an unused subnet 10.77.<id>.0/24. */
  static async create(): Promise<NetnsNetwork> {
    const links = await sh('ip', ['-o', 'link', 'show']);
    const candidates = Array.from({ length: 200 }, (_, i) => i + 20).filter((id) => !links.includes(`kckbr${id}:`));
    const id = candidates[Math.floor(Math.random() * candidates.length)];
    if (id === undefined) throw new Error('no free kck bridge id');
    const net = new NetnsNetwork(id);
    await sh('ip', ['link', 'add', net.bridge, 'type', 'bridge']);
    await sh('ip', ['addr', 'add', `${net.hostIp}/24`, 'dev', net.bridge]);
    await sh('ip', ['link', 'set', net.bridge, 'up']);
    // With br_netfilter loaded, bridged member-to-member traffic crosses the host's FORWARD
    // chain, whose policy Docker sets to DROP: let this bridge's own traffic through.
    try {
      await sh('iptables', ['-I', 'FORWARD', '-i', net.bridge, '-o', net.bridge, '-j', 'ACCEPT']);
      net.forwardRule = true;
    } catch {
      // No iptables on the host side: nothing can drop the traffic either.
    }
    return net;
  }

  /** Namespace and address of member number `index` (1-based), created on first use. */
  async addMember(index: number): Promise<NetnsMember> {
    const existing = this.members.get(index);
    if (existing !== undefined) return existing;
    const ns = `kck-${this.id}-${index}`;
    const ip = `10.77.${this.id}.${10 + index}`;
    const hostSide = `kckv${this.id}x${index}`;
    const nsSide = `kckp${this.id}x${index}`;
    await sh('ip', ['netns', 'add', ns]);
    await sh('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide]);
    await sh('ip', ['link', 'set', hostSide, 'master', this.bridge]);
    await sh('ip', ['link', 'set', hostSide, 'up']);
    await sh('ip', ['link', 'set', nsSide, 'netns', ns]);
    await sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', nsSide]);
    await sh('ip', ['-n', ns, 'link', 'set', nsSide, 'up']);
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const member = { ns, ip };
    this.members.set(index, member);
    return member;
  }

  async removeMember(index: number): Promise<void> {
    const member = this.members.get(index);
    if (member === undefined) return;
    this.members.delete(index);
    await sh('ip', ['netns', 'del', member.ns]).catch(() => undefined);
    await sh('ip', ['link', 'del', `kckv${this.id}x${index}`]).catch(() => undefined);
  }

  /** Command prefix that runs a program inside the member's namespace. */
  wrap(index: number, cmd: { command: string; args: string[] }): { command: string; args: string[] } {
    const member = this.members.get(index);
    if (member === undefined) throw new Error(`no namespace for member ${index}`);
    return { command: 'ip', args: ['netns', 'exec', member.ns, cmd.command, ...cmd.args] };
  }

  /** Members in different groups can no longer exchange packets; members in no group are cut from everyone. */
  async partition(groups: ReadonlyArray<readonly number[]>): Promise<void> {
    await this.heal();
    const groupOf = new Map<number, number>();
    groups.forEach((g, gi) => g.forEach((m) => groupOf.set(m, gi)));
    for (const [index, member] of this.members) {
      for (const [other, peer] of this.members) {
        if (other === index || (groupOf.has(index) && groupOf.get(index) === groupOf.get(other))) continue;
        // TCP is refused with a reset rather than silently dropped: a silently dropped
        // connection sits in TCP's exponential retransmission back-off for tens of seconds
        // after the heal, which measures the kernel, not etcd. Everything else is dropped.
        for (const [chain, dir] of [['INPUT', '-s'], ['OUTPUT', '-d']] as const) {
          await sh('ip', ['netns', 'exec', member.ns, 'iptables', '-A', chain, dir, peer.ip, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
          await sh('ip', ['netns', 'exec', member.ns, 'iptables', '-A', chain, dir, peer.ip, '-j', 'DROP']);
        }
      }
    }
  }

  async heal(): Promise<void> {
    for (const member of this.members.values()) {
      await sh('ip', ['netns', 'exec', member.ns, 'iptables', '-F']);
    }
  }

  async destroy(): Promise<void> {
    for (const index of [...this.members.keys()]) await this.removeMember(index);
    if (this.forwardRule) await sh('iptables', ['-D', 'FORWARD', '-i', this.bridge, '-o', this.bridge, '-j', 'ACCEPT']).catch(() => undefined);
    await sh('ip', ['link', 'del', this.bridge]).catch(() => undefined);
  }
}
