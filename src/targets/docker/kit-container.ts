/**
 * A testcontainers GenericContainer with what the kit needs and the builder lacks: a fixed
 * address on a user-defined network (a restarted member keeps its peer URL), ports published
 * on 127.0.0.1 only at host ports the kit chose (a restarted member keeps its endpoint), and
 * the kit's ownership labels. Started with a log-line wait: etcd serves clients only after
 * its cluster has a quorum, so the kit waits for readiness itself.
 */
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { OWNED_LABEL } from './docker-cli.ts';
import { testcontainers } from './testcontainers-env.ts';

export interface KitContainerSpec {
  image: string;
  name: string;
  network: string;
  ip?: string;
  aliases?: readonly string[];
  /** container port -> host port on 127.0.0.1 */
  loopbackPorts?: ReadonlyMap<number, number>;
  command?: readonly string[];
  entrypoint?: readonly string[];
  env?: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>;
  files?: ReadonlyArray<{ content: string; target: string; mode?: number }>;
  privileged?: boolean;
  /** Host folders seen at `target` inside (read-only unless said). */
  binds?: ReadonlyArray<{ source: string; target: string; mode?: 'ro' | 'rw' }>;
  /** Log line that says the container is up (default: any output). */
  readyLog?: RegExp;
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
      return this;
    }
  }
  let c: GenericContainer = new KitContainer(spec.image)
    .configure()
    .withName(spec.name)
    .withHostname(spec.name.slice(-63))
    .withNetworkMode(spec.network)
    .withLabels({ [OWNED_LABEL]: 'true', ...spec.labels })
    .withPullPolicy({ shouldPull: () => false })
    .withWaitStrategy(tc.Wait.forLogMessage(spec.readyLog ?? /\S/))
    .withStartupTimeout(120_000);
  if (spec.command !== undefined) c = c.withCommand([...spec.command]);
  if (spec.entrypoint !== undefined) c = c.withEntrypoint([...spec.entrypoint]);
  if (spec.env !== undefined) c = c.withEnvironment({ ...spec.env });
  if (spec.files !== undefined && spec.files.length > 0) {
    c = c.withCopyContentToContainer(spec.files.map((f) => ({ content: f.content, target: f.target, ...(f.mode !== undefined ? { mode: f.mode } : {}) })));
  }
  if (spec.privileged === true) c = c.withPrivilegedMode();
  if (spec.binds !== undefined) c = c.withBindMounts(spec.binds.map((b) => ({ source: b.source, target: b.target, mode: b.mode ?? 'ro' })));
  return c.start();
}
