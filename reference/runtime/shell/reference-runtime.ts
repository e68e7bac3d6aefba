/**
 * ReferenceRuntime: the CRI operations over real processes and network namespaces. Requests
 * and answers are CRI wire messages as @grpc/proto-loader gives them (camelCase, enums as
 * strings); the bookkeeping and filters live in ../core.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { policyFor } from '../core/handler-policy.ts';
import type { IsolationPolicy } from '../core/handler-policy.ts';
import { exitOutcome, filterContainers, filterSandboxes, idFromBytes } from '../core/runtime-model.ts';
import type { ContainerFilter, ContainerRecord, SandboxFilter, SandboxRecord } from '../core/runtime-model.ts';
import { ContainerProcess } from './container-process.ts';
import { deadlineExceeded, failedPrecondition, invalid, notFound } from './cri-error.ts';
import type { ImageStore } from './image-store.ts';
import type { PodNetwork, SandboxNetwork } from './pod-network.ts';
import { hostCommand, imagePath } from './process-command.ts';
import type { CommandContext } from './process-command.ts';

type Wire = any;

interface Sandbox { record: SandboxRecord; network: SandboxNetwork; policy: IsolationPolicy }
interface Container { record: ContainerRecord; argv: string[]; env: Record<string, string>; process: ContainerProcess | undefined }

const nowNs = (): number => Date.now() * 1e6;

export interface ReferenceRuntimeOptions { images: ImageStore; network: PodNetwork; privileged: boolean; log: (line: string) => void }

export class ReferenceRuntime {
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, Container>();

  constructor(private readonly o: ReferenceRuntimeOptions) {}

  version(): Wire {
    return { version: '0.1.0', runtimeName: 'kck-reference-runtime', runtimeVersion: '0.1.0', runtimeApiVersion: 'v1' };
  }

  private sandbox(id: string): Sandbox {
    const found = this.sandboxes.get(id) ?? [...this.sandboxes.values()].find((s) => id.length >= 6 && s.record.id.startsWith(id));
    if (!found) throw notFound(`pod sandbox ${id}`);
    return found;
  }

  private container(id: string): Container {
    const found = this.containers.get(id) ?? [...this.containers.values()].find((c) => id.length >= 6 && c.record.id.startsWith(id));
    if (!found) throw notFound(`container ${id}`);
    return found;
  }

  async runPodSandbox(req: Wire): Promise<Wire> {
    const config = req.config ?? {};
    const meta = config.metadata;
    if (!meta?.name || !meta?.uid) throw invalid('sandbox config metadata name and uid are required');
    const hostNetwork = config.linux?.securityContext?.namespaceOptions?.network === 'NODE';
    const chosen = policyFor(req.runtimeHandler ?? '', hostNetwork);
    if (!chosen.ok) throw invalid(chosen.message);
    const id = idFromBytes(randomBytes(32));
    const network = await this.o.network.setUp(id, hostNetwork);
    const record: SandboxRecord = {
      id,
      metadata: { name: meta.name, uid: meta.uid, namespace: meta.namespace ?? '', attempt: meta.attempt ?? 0 },
      state: 'SANDBOX_READY',
      createdAt: nowNs(),
      ip: network.ip,
      hostNetwork,
      hostname: config.hostname || meta.name,
      logDirectory: config.logDirectory ?? '',
      runtimeHandler: req.runtimeHandler ?? '',
      labels: config.labels ?? {},
      annotations: config.annotations ?? {},
    };
    this.sandboxes.set(id, { record, network, policy: chosen.policy });
    this.o.log(`sandbox ${id.slice(0, 12)} ${record.metadata.namespace}/${record.metadata.name} ready ip=${network.ip || 'host'} handler=${chosen.policy.handler}`);
    return { podSandboxId: id };
  }

  async stopPodSandbox(req: Wire): Promise<Wire> {
    const s = this.sandboxes.get(req.podSandboxId);
    if (!s) return {}; // CRI: stopping an unknown sandbox is not an error
    await Promise.all([...this.containers.values()].filter((c) => c.record.sandboxId === s.record.id).map((c) => this.stopProcess(c, 0)));
    if (s.record.state === 'SANDBOX_READY') {
      s.record.state = 'SANDBOX_NOTREADY';
      await this.o.network.tearDown(s.record.id, s.network);
      this.o.log(`sandbox ${s.record.id.slice(0, 12)} stopped`);
    }
    return {};
  }

  async removePodSandbox(req: Wire): Promise<Wire> {
    const s = this.sandboxes.get(req.podSandboxId);
    if (!s) return {};
    await this.stopPodSandbox(req);
    for (const c of [...this.containers.values()]) if (c.record.sandboxId === s.record.id) this.containers.delete(c.record.id);
    this.sandboxes.delete(s.record.id);
    this.o.log(`sandbox ${s.record.id.slice(0, 12)} removed`);
    return {};
  }

  podSandboxStatus(req: Wire): Wire {
    const r = this.sandbox(req.podSandboxId).record;
    return {
      status: {
        id: r.id,
        metadata: r.metadata,
        state: r.state,
        createdAt: r.createdAt,
        network: { ip: r.state === 'SANDBOX_READY' ? r.ip : '', additionalIps: [] },
        linux: { namespaces: { options: { network: r.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
        labels: r.labels,
        annotations: r.annotations,
        runtimeHandler: r.runtimeHandler,
      },
      info: {},
    };
  }

  listPodSandbox(req: Wire): Wire {
    const items = filterSandboxes([...this.sandboxes.values()].map((s) => s.record), req.filter as SandboxFilter | undefined);
    return { items: items.map((r) => ({ id: r.id, metadata: r.metadata, state: r.state, createdAt: r.createdAt, labels: r.labels, annotations: r.annotations, runtimeHandler: r.runtimeHandler })) };
  }

  createContainer(req: Wire): Wire {
    const s = this.sandbox(req.podSandboxId);
    if (s.record.state !== 'SANDBOX_READY') throw failedPrecondition(`pod sandbox ${s.record.id} is not ready`);
    const config = req.config ?? {};
    if (!config.metadata?.name) throw invalid('container config metadata name is required');
    const imageRef = config.image?.image ?? '';
    const image = this.o.images.find(imageRef);
    if (!image) throw notFound(`image "${imageRef}"`);
    // Kubernetes semantics: command replaces the entrypoint, args replace cmd; a command
    // without args drops the image's cmd.
    const command: string[] = config.command?.length ? config.command : [...image.image.entrypoint];
    const args: string[] = config.args?.length ? config.args : config.command?.length ? [] : [...image.image.cmd];
    const ctx = this.context(s);
    const env: Record<string, string> = { PATH: imagePath(ctx), HOSTNAME: s.record.hostname };
    for (const kv of config.envs ?? []) env[kv.key] = kv.value;
    const id = idFromBytes(randomBytes(32));
    const record: ContainerRecord = {
      id,
      sandboxId: s.record.id,
      metadata: { name: config.metadata.name, attempt: config.metadata.attempt ?? 0 },
      image: image.repoTags[0] ?? imageRef,
      imageRef: image.id,
      state: 'CONTAINER_CREATED',
      createdAt: nowNs(),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: '',
      message: '',
      labels: config.labels ?? {},
      annotations: config.annotations ?? {},
      logPath: config.logPath && s.record.logDirectory ? join(s.record.logDirectory, config.logPath) : '',
    };
    this.containers.set(id, { record, argv: [...command, ...args], env, process: undefined });
    this.o.log(`container ${id.slice(0, 12)} ${record.metadata.name} created in sandbox ${s.record.id.slice(0, 12)}`);
    return { containerId: id };
  }

  private context(s: Sandbox): CommandContext {
    return { rootfs: this.o.images.rootfs, netns: s.network.netns, policy: s.policy, privileged: this.o.privileged };
  }

  async startContainer(req: Wire): Promise<Wire> {
    const c = this.container(req.containerId);
    if (c.record.state !== 'CONTAINER_CREATED') throw failedPrecondition(`container ${c.record.id} is in state ${c.record.state}, not CONTAINER_CREATED`);
    const s = this.sandbox(c.record.sandboxId);
    const proc = new ContainerProcess();
    try {
      await proc.start(hostCommand(this.context(s), c.argv), c.env, c.record.logPath || undefined);
    } catch (err) {
      Object.assign(c.record, { state: 'CONTAINER_EXITED', exitCode: 128, reason: 'StartError', message: String(err), finishedAt: nowNs() });
      throw failedPrecondition(`failed to start container ${c.record.id}: ${String(err)}`);
    }
    c.process = proc;
    Object.assign(c.record, { state: 'CONTAINER_RUNNING', startedAt: nowNs() });
    this.o.log(`container ${c.record.id.slice(0, 12)} ${c.record.metadata.name} started pid=${proc.pid}`);
    void proc.wait().then((exit) => {
      proc.reap();
      const outcome = exitOutcome(exit.code, exit.signal);
      Object.assign(c.record, { state: 'CONTAINER_EXITED', finishedAt: nowNs(), exitCode: outcome.exitCode, reason: outcome.reason });
      this.o.log(`container ${c.record.id.slice(0, 12)} ${c.record.metadata.name} exited code=${outcome.exitCode}`);
    });
    return {};
  }

  private async stopProcess(c: Container, timeoutSeconds: number): Promise<void> {
    if (!c.process) {
      if (c.record.state === 'CONTAINER_CREATED') Object.assign(c.record, { state: 'CONTAINER_EXITED', finishedAt: nowNs(), exitCode: 0, reason: 'Completed' });
      return;
    }
    await c.process.stop(timeoutSeconds);
    // the exit handler runs on the same tick as wait() resolves; let it record the outcome
    await new Promise((resolve) => setImmediate(resolve));
  }

  async stopContainer(req: Wire): Promise<Wire> {
    const c = this.containers.get(req.containerId);
    if (!c) throw notFound(`container ${req.containerId}`);
    await this.stopProcess(c, Number(req.timeout ?? 0));
    return {};
  }

  async removeContainer(req: Wire): Promise<Wire> {
    const c = this.containers.get(req.containerId);
    if (!c) return {};
    await this.stopProcess(c, 0);
    this.containers.delete(c.record.id);
    this.o.log(`container ${c.record.id.slice(0, 12)} removed`);
    return {};
  }

  containerStatus(req: Wire): Wire {
    const r = this.container(req.containerId).record;
    return {
      status: {
        id: r.id, metadata: r.metadata, state: r.state, createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt,
        exitCode: r.exitCode, image: { image: r.image }, imageRef: r.imageRef, reason: r.reason, message: r.message,
        labels: r.labels, annotations: r.annotations, mounts: [], logPath: r.logPath,
      },
      info: {},
    };
  }

  listContainers(req: Wire): Wire {
    const items = filterContainers([...this.containers.values()].map((c) => c.record), req.filter as ContainerFilter | undefined);
    return {
      containers: items.map((r) => ({
        id: r.id, podSandboxId: r.sandboxId, metadata: r.metadata, image: { image: r.image }, imageRef: r.imageRef,
        state: r.state, createdAt: r.createdAt, labels: r.labels, annotations: r.annotations,
      })),
    };
  }

  execSync(req: Wire): Promise<Wire> {
    const c = this.container(req.containerId);
    if (c.record.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.record.id} is not running`);
    const cmd: string[] = req.cmd ?? [];
    if (cmd.length === 0) throw invalid('exec needs a command');
    const argv = hostCommand(this.context(this.sandbox(c.record.sandboxId)), cmd);
    const timeoutMs = Number(req.timeout ?? 0) > 0 ? Number(req.timeout) * 1000 : 0;
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: c.env, cwd: '/' });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      let timedOut = false;
      const timer = timeoutMs ? setTimeout(() => { timedOut = true; try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs) : undefined;
      child.once('error', (e) => { if (timer) clearTimeout(timer); reject(failedPrecondition(`exec failed: ${e.message}`)); });
      child.once('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (timedOut) { reject(deadlineExceeded(`command ${JSON.stringify(cmd)} timed out after ${req.timeout}s`)); return; }
        const outcome = exitOutcome(code, signal ? 9 : null);
        resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: outcome.exitCode });
      });
    });
  }

  listImages(): Wire {
    return { images: this.o.images.list().map((i) => ({ id: i.id, repoTags: i.repoTags, repoDigests: [], size: i.size })) };
  }

  imageStatus(req: Wire): Wire {
    const i = this.o.images.find(req.image?.image ?? '');
    return i ? { image: { id: i.id, repoTags: i.repoTags, repoDigests: [], size: i.size }, info: {} } : { info: {} };
  }

  pullImage(req: Wire): Wire {
    const ref = req.image?.image ?? '';
    const i = this.o.images.pull(ref);
    if (!i) throw notFound(`image "${ref}": the reference runtime pulls from the kit's catalogue only`);
    this.o.log(`image ${ref} pulled`);
    return { imageRef: i.id };
  }

  removeImage(req: Wire): Wire {
    this.o.images.remove(req.image?.image ?? '');
    return {};
  }

  /** On shutdown: kill every container and delete every sandbox network, so nothing leaks. */
  async shutdown(): Promise<void> {
    for (const id of [...this.sandboxes.keys()]) await this.removePodSandbox({ podSandboxId: id });
    await this.o.network.close();
  }
}
