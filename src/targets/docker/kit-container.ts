/**
 * A testcontainers GenericContainer with what the kit needs and the builder lacks: a fixed
 * address on a user-defined network (a restarted member keeps its peer URL), ports published
 * on 127.0.0.1 only at host ports the kit chose (a restarted member keeps its endpoint), and
 * the kit's ownership labels. Started with a log-line wait: etcd serves clients only after
 * its cluster has a quorum, so the kit waits for readiness itself.
 */
import { readFileSync } from 'node:fs';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { OWNED_LABEL } from './docker-cli.ts';
import { testcontainers } from './testcontainers-env.ts';

export interface KitContainerSpec {
  image: string;
  name: string;
  /** A network's name, or 'host' for the host's network (no address of its own then). */
  network: string;
  ip?: string | undefined;
  aliases?: readonly string[];
  /** container port -> host port on 127.0.0.1 */
  loopbackPorts?: ReadonlyMap<number, number>;
  command?: readonly string[];
  entrypoint?: readonly string[];
  env?: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>;
  files?: ReadonlyArray<{ content: string; target: string; mode?: number }>;
  privileged?: boolean;
  /**
   * What a node needs (network namespaces, iptables, chroot, mknod, mounts): every capability
   * this machine grants, no seccomp filter, unmasked /proc, IP forwarding on. Not
   * `--privileged`: in a sandbox whose bounding set lacks a capability (CAP_SYS_RESOURCE,
   * say) runc refuses a privileged container, while a node needs none of the rest.
   */
  nodePrivileges?: boolean;
  /**
   * A cgroup namespace of its own: the container's cgroup is the root of its cgroup view, so
   * cgroups made inside (a node's Pod containers, under runc) sit below it and go with it.
   */
  privateCgroupns?: boolean;
  /** tmpfs mounts: path -> mount options (e.g. 'rw,exec'); they go with the container. */
  tmpfs?: Readonly<Record<string, string>>;
  /** Host folders seen at `target` inside (read-only unless said). */
  binds?: ReadonlyArray<{ source: string; target: string; mode?: 'ro' | 'rw' }>;
  /** Log line that says the container is up (default: any output). */
  readyLog?: RegExp;
}

/** Linux capabilities by number (linux/capability.h). */
const CAPABILITY_NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE',
  'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE',
  'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];

/**
 * Capabilities outside this process's bounding set: the docker daemon runs in the same
 * sandbox, and a container asking for one of them fails to start ("unable to apply caps").
 */
export function missingCapabilities(status = readFileSync('/proc/self/status', 'utf8')): string[] {
  const hex = /^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1];
  if (hex === undefined) return [];
  const bounding = BigInt(`0x${hex}`);
  return CAPABILITY_NAMES.filter((_, bit) => (bounding & (1n << BigInt(bit))) === 0n);
}

export async function startKitContainer(spec: KitContainerSpec): Promise<StartedTestContainer> {
  const tc = await testcontainers();
  class KitContainer extends tc.GenericContainer {
    configure(): this {
      if (spec.ip !== undefined || (spec.aliases?.length ?? 0) > 0) {
        this.createOpts.NetworkingConfig = {
          EndpointsConfig: { [spec.network]: { ...(spec.ip ? { IPAMConfig: { IPv4Address: spec.ip } } : {}), Aliases: [...(spec.aliases ?? [])] } },
        };
      }
      if (spec.loopbackPorts !== undefined && spec.loopbackPorts.size > 0) {
        const exposed: Record<string, object> = {};
        const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
        for (const [container, host] of spec.loopbackPorts) {
          exposed[`${container}/tcp`] = {};
          bindings[`${container}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: String(host) }];
        }
        this.createOpts.ExposedPorts = { ...this.createOpts.ExposedPorts, ...exposed };
        this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, ...bindings };
      }
      if (spec.nodePrivileges === true) {
        this.hostConfig.CapAdd = ['ALL'];
        this.hostConfig.CapDrop = missingCapabilities();
        this.hostConfig.SecurityOpt = [...(this.hostConfig.SecurityOpt ?? []), 'seccomp=unconfined'];
        // The API's form of --security-opt systempaths=unconfined: /proc/sys is writable.
        this.hostConfig.MaskedPaths = [];
        this.hostConfig.ReadonlyPaths = [];
        this.hostConfig.Sysctls = { ...this.hostConfig.Sysctls, 'net.ipv4.ip_forward': '1' };
      }
      // Docker API 1.41's HostConfig.CgroupnsMode, which @types/dockerode does not list yet.
      if (spec.privateCgroupns === true) Object.assign(this.hostConfig, { CgroupnsMode: 'private' });
      return this;
    }
  }
  let c: GenericContainer = new KitContainer(spec.image)
    .configure()
    .withName(spec.name)
    .withNetworkMode(spec.network)
    .withLabels({ [OWNED_LABEL]: 'true', ...spec.labels })
    .withPullPolicy({ shouldPull: () => false })
    .withWaitStrategy(tc.Wait.forLogMessage(spec.readyLog ?? /\S/))
    .withStartupTimeout(120_000);
  // A container on the host's network has the host's name.
  if (spec.network !== 'host') c = c.withHostname(spec.name.slice(-63));
  if (spec.command !== undefined) c = c.withCommand([...spec.command]);
  if (spec.entrypoint !== undefined) c = c.withEntrypoint([...spec.entrypoint]);
  if (spec.env !== undefined) c = c.withEnvironment({ ...spec.env });
  if (spec.files !== undefined && spec.files.length > 0) {
    c = c.withCopyContentToContainer(spec.files.map((f) => ({ content: f.content, target: f.target, ...(f.mode !== undefined ? { mode: f.mode } : {}) })));
  }
  if (spec.tmpfs !== undefined) c = c.withTmpFs({ ...spec.tmpfs });
  if (spec.privileged === true) c = c.withPrivilegedMode();
  if (spec.binds !== undefined) c = c.withBindMounts(spec.binds.map((b) => ({ source: b.source, target: b.target, mode: b.mode ?? 'ro' })));
  return c.start();
}
