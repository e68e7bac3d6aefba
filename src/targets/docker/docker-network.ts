/**
 * One user-defined docker network per cluster or run, with a subnet of its own so members
 * get fixed addresses. Partitions are iptables DROP rules inside the members' network
 * namespaces (entered from the host with nsenter, so the images need no iptables); clients
 * come in through the published loopback ports, from the network's gateway, which no rule
 * names, so the kit still reaches every member.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { docker, DockerError, OWNED } from './docker-cli.ts';

const run = promisify(execFile);

export class DockerNetwork {
  private constructor(readonly name: string, private readonly prefix: string) {}

  /**
   * A new network `name` on a free 10.79.x.0/24 (or 10.80...), labelled as the kit's.
   * `bridge` names its host bridge (at most 15 characters): a kck* name marks it as this
   * machine's own network for dials "from outside" (off-machine-route.ts).
   */
  static async create(name: string, labels: Readonly<Record<string, string>>, bridge?: string): Promise<DockerNetwork> {
    const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    if (bridge !== undefined) labelArgs.push('-o', `com.docker.network.bridge.name=${bridge}`);
    for (let attempt = 0; attempt < 20; attempt++) {
      const prefix = `10.${79 + randomInt(0, 4)}.${randomInt(1, 255)}`;
      try {
        await docker(['network', 'create', '--driver', 'bridge', '--subnet', `${prefix}.0/24`, '--gateway', `${prefix}.1`, '--label', OWNED, ...labelArgs, name]);
        return new DockerNetwork(name, prefix);
      } catch (error) {
        if (error instanceof DockerError && /overlap|in use/i.test(error.message)) continue;
        throw error;
      }
    }
    throw new Error(`no free subnet for docker network ${name}`);
  }

  /** The address of host number `n` (2..254) on this network. */
  address(n: number): string {
    return `${this.prefix}.${n}`;
  }

  async remove(): Promise<void> {
    await docker(['network', 'rm', this.name]).catch(() => undefined);
  }
}

async function pidOf(containerId: string): Promise<number | undefined> {
  const out = await docker(['inspect', '--format', '{{.State.Running}} {{.State.Pid}}', containerId]);
  const [running, pid] = out.trim().split(' ');
  return running === 'true' && pid !== undefined ? Number(pid) : undefined;
}

async function iptablesIn(pid: number, args: readonly string[]): Promise<void> {
  await run('nsenter', ['-t', String(pid), '-n', 'iptables', '-w', ...args], { timeout: 20_000 });
}

/** Cuts `containerId` off from the given addresses (both directions), leaving everything else. */
export async function isolateFrom(containerId: string, addresses: readonly string[]): Promise<void> {
  const pid = await pidOf(containerId);
  if (pid === undefined) return; // not running: it has no network to cut, restart re-applies.
  await clearIsolation(containerId);
  for (const ip of addresses) {
    await iptablesIn(pid, ['-A', 'INPUT', '-s', ip, '-j', 'DROP']);
    await iptablesIn(pid, ['-A', 'OUTPUT', '-d', ip, '-j', 'DROP']);
  }
}

export async function clearIsolation(containerId: string): Promise<void> {
  const pid = await pidOf(containerId);
  if (pid === undefined) return;
  await iptablesIn(pid, ['-F', 'INPUT']);
  await iptablesIn(pid, ['-F', 'OUTPUT']);
}
