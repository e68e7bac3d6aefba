/**
 * CriClient: the kit's one client for CRI v1 over a unix socket, serving the reference runtime
 * and containerd alike (S9.2). It maps the port's small types to the protocol's messages and
 * back; errors are the gRPC errors (with .code) the runtime returned.
 */
import * as grpc from '@grpc/grpc-js';
import type {
  ContainerConfig, ContainerState, ContainerStatus, Cri, ImageInfo, PodSandboxConfig, PodSandboxStatus, SandboxState,
} from '../../ports/cri.ts';
import { loadCriPackage } from './cri-proto.ts';

type Message = Record<string, unknown>;
type Unary = (request: Message, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, response: Message) => void) => void;

/** Default per-call deadline: generous, a loaded 2-core machine starts containers slowly. */
const CALL_TIMEOUT_MS = 60_000;

export interface CriClientOptions { callTimeoutMs?: number }

export class CriClient implements Cri {
  readonly endpoint: string;
  private readonly runtime: grpc.Client;
  private readonly image: grpc.Client;
  private readonly timeoutMs: number;

  constructor(endpoint: string, options: CriClientOptions = {}) {
    if (!endpoint.startsWith('unix://')) throw new Error(`CRI endpoint must be unix:///path, got ${endpoint}`);
    this.endpoint = endpoint;
    this.timeoutMs = options.callTimeoutMs ?? CALL_TIMEOUT_MS;
    const pkg = loadCriPackage();
    // grpc-js wants unix:/abs/path or unix:///abs/path; both mean the same socket.
    const credentials = grpc.credentials.createInsecure();
    const channelOptions = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
    this.runtime = new pkg.RuntimeService(endpoint, credentials, channelOptions);
    this.image = new pkg.ImageService(endpoint, credentials, channelOptions);
  }

  private call(client: grpc.Client, method: string, request: Message, timeoutMs = this.timeoutMs): Promise<Message> {
    const fn = (client as unknown as Record<string, Unary>)[method];
    if (!fn) throw new Error(`CRI method ${method} missing from proto`);
    return new Promise((resolve, reject) => {
      fn.call(client, request, { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err) reject(err);
        else resolve(response);
      });
    });
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    const r = await this.call(this.runtime, 'Version', { version: 'v1' });
    return { runtimeName: String(r['runtimeName']), runtimeVersion: String(r['runtimeVersion']), runtimeApiVersion: String(r['runtimeApiVersion']) };
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string> {
    const r = await this.call(this.runtime, 'RunPodSandbox', { config: sandboxConfigToWire(config), runtimeHandler: runtimeHandler ?? '' }, Math.max(this.timeoutMs, 120_000));
    return String(r['podSandboxId']);
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.call(this.runtime, 'StopPodSandbox', { podSandboxId: id });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.call(this.runtime, 'RemovePodSandbox', { podSandboxId: id });
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const r = await this.call(this.runtime, 'PodSandboxStatus', { podSandboxId: id });
    const s = (r['status'] ?? {}) as Message;
    const net = s['network'] as Message | null | undefined;
    const ip = net ? String(net['ip'] ?? '') : '';
    return {
      id: String(s['id']),
      state: s['state'] as SandboxState,
      ...(ip ? { network: { ip } } : {}),
      runtimeHandler: String(s['runtimeHandler'] ?? ''),
      labels: (s['labels'] ?? {}) as Record<string, string>,
      ...metadataOf(s),
    };
  }

  async listPodSandbox(filter?: { labelSelector?: Record<string, string> }): Promise<PodSandboxStatus[]> {
    const r = await this.call(this.runtime, 'ListPodSandbox', filter?.labelSelector ? { filter: { labelSelector: filter.labelSelector } } : {});
    return ((r['items'] ?? []) as Message[]).map((s) => ({
      id: String(s['id']),
      state: s['state'] as SandboxState,
      runtimeHandler: String(s['runtimeHandler'] ?? ''),
      labels: (s['labels'] ?? {}) as Record<string, string>,
      ...metadataOf(s),
    }));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const r = await this.call(this.runtime, 'CreateContainer', {
      podSandboxId: sandboxId,
      config: containerConfigToWire(config),
      sandboxConfig: sandboxConfigToWire(sandboxConfig),
    });
    return String(r['containerId']);
  }

  async startContainer(id: string): Promise<void> {
    await this.call(this.runtime, 'StartContainer', { containerId: id });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    // The runtime may wait the whole grace period before SIGKILL: give the call room for it.
    await this.call(this.runtime, 'StopContainer', { containerId: id, timeout: timeoutSeconds }, this.timeoutMs + timeoutSeconds * 1000);
  }

  async removeContainer(id: string): Promise<void> {
    await this.call(this.runtime, 'RemoveContainer', { containerId: id });
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    const r = await this.call(this.runtime, 'ContainerStatus', { containerId: id });
    return containerStatusFromWire((r['status'] ?? {}) as Message);
  }

  async listContainers(filter?: { podSandboxId?: string }): Promise<ContainerStatus[]> {
    const r = await this.call(this.runtime, 'ListContainers', filter?.podSandboxId ? { filter: { podSandboxId: filter.podSandboxId } } : {});
    return ((r['containers'] ?? []) as Message[]).map((c) => ({
      id: String(c['id']),
      name: String(((c['metadata'] ?? {}) as Message)['name'] ?? ''),
      state: c['state'] as ContainerState,
      // ListContainers carries no exit details; ask containerStatus for them.
      exitCode: 0,
      reason: '',
      startedAt: 0,
      finishedAt: 0,
      image: String(((c['image'] ?? {}) as Message)['image'] ?? ''),
      attempt: Number(((c['metadata'] ?? {}) as Message)['attempt'] ?? 0),
      labels: (c['labels'] ?? {}) as Record<string, string>,
      podSandboxId: String(c['podSandboxId'] ?? ''),
      imageRef: String(c['imageRef'] ?? ''),
    }));
  }

  async execSync(id: string, cmd: string[], timeoutSeconds = 0): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const r = await this.call(this.runtime, 'ExecSync', { containerId: id, cmd, timeout: timeoutSeconds }, this.timeoutMs + timeoutSeconds * 1000);
    return {
      stdout: Buffer.from((r['stdout'] ?? Buffer.alloc(0)) as Uint8Array).toString('utf8'),
      stderr: Buffer.from((r['stderr'] ?? Buffer.alloc(0)) as Uint8Array).toString('utf8'),
      exitCode: Number(r['exitCode'] ?? 0),
    };
  }

  async listImages(): Promise<ImageInfo[]> {
    const r = await this.call(this.image, 'ListImages', {});
    return ((r['images'] ?? []) as Message[]).map(imageFromWire);
  }

  async pullImage(image: string): Promise<string> {
    const r = await this.call(this.image, 'PullImage', { image: { image } });
    return String(r['imageRef']);
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    const r = await this.call(this.image, 'ImageStatus', { image: { image } });
    const img = r['image'] as Message | null | undefined;
    return img && img['id'] ? imageFromWire(img) : undefined;
  }

  async removeImage(image: string): Promise<void> {
    await this.call(this.image, 'RemoveImage', { image: { image } });
  }

  close(): void {
    this.runtime.close();
    this.image.close();
  }
}

function imageFromWire(i: Message): ImageInfo {
  return { id: String(i['id']), repoTags: (i['repoTags'] ?? []) as string[], size: Number(i['size'] ?? 0) };
}

function containerStatusFromWire(s: Message): ContainerStatus {
  return {
    id: String(s['id']),
    name: String(((s['metadata'] ?? {}) as Message)['name'] ?? ''),
    state: s['state'] as ContainerState,
    exitCode: Number(s['exitCode'] ?? 0),
    reason: String(s['reason'] ?? ''),
    startedAt: Number(s['startedAt'] ?? 0),
    finishedAt: Number(s['finishedAt'] ?? 0),
    image: String(((s['image'] ?? {}) as Message)['image'] ?? ''),
    attempt: Number(((s['metadata'] ?? {}) as Message)['attempt'] ?? 0),
    labels: (s['labels'] ?? {}) as Record<string, string>,
    imageRef: String(s['imageRef'] ?? ''),
  };
}

function metadataOf(s: Message): { metadata?: { name: string; uid: string; namespace: string; attempt: number } } {
  const m = s['metadata'] as Message | null | undefined;
  if (!m) return {};
  return { metadata: { name: String(m['name'] ?? ''), uid: String(m['uid'] ?? ''), namespace: String(m['namespace'] ?? ''), attempt: Number(m['attempt'] ?? 0) } };
}

export function sandboxConfigToWire(c: PodSandboxConfig): Message {
  const network = c.linux?.securityContext?.namespaceOptions?.network ?? 'POD';
  return {
    metadata: { name: c.metadata.name, uid: c.metadata.uid, namespace: c.metadata.namespace, attempt: c.metadata.attempt ?? 0 },
    hostname: c.hostname ?? '',
    logDirectory: c.logDirectory ?? '',
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
    portMappings: (c.portMappings ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort ?? 0 })),
    linux: { securityContext: { namespaceOptions: { network, pid: 'CONTAINER', ipc: 'POD' } } },
  };
}

export function containerConfigToWire(c: ContainerConfig): Message {
  return {
    metadata: { name: c.metadata.name, attempt: c.metadata.attempt ?? 0 },
    image: { image: c.image.image },
    command: c.command ?? [],
    args: c.args ?? [],
    workingDir: c.workingDir ?? '',
    envs: c.envs ?? [],
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
    logPath: c.logPath ?? '',
  };
}
