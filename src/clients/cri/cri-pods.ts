/**
 * CriPods: small helpers over the Cri port for scenarios and benchmarks: run a Pod sandbox
 * with catalogue containers, wait for states, and remove everything it made. Waiting is by
 * polling with a deadline, never a fixed sleep.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerStatus, Cri, PodSandboxConfig } from '../../ports/cri.ts';

export interface RunningPod { name: string; sandboxId: string; config: PodSandboxConfig; ip: string }

export class CriPods {
  private readonly logRoot = mkdtempSync(join(tmpdir(), 'kck-cri-pods-'));
  private readonly sandboxes: string[] = [];
  private counter = 0;

  constructor(readonly cri: Cri, readonly images: { pause: string; workload: string }) {}

  async runPod(name: string, options: { handler?: string } = {}): Promise<RunningPod> {
    this.counter++;
    const config: PodSandboxConfig = {
      metadata: { name, uid: `${name}-${process.pid}-${this.counter}`, namespace: 'kck' },
      hostname: name,
      logDirectory: join(this.logRoot, `${name}-${this.counter}`),
      labels: { 'kck.io/pod': name },
    };
    const sandboxId = await this.cri.runPodSandbox(config, options.handler);
    this.sandboxes.push(sandboxId);
    const ip = (await this.cri.podSandboxStatus(sandboxId)).network?.ip ?? '';
    return { name, sandboxId, config, ip };
  }

  /** Creates and starts a workload container: `args` are the workload verb and its arguments. */
  async runContainer(pod: RunningPod, name: string, args: string[], command?: string[]): Promise<string> {
    const id = await this.cri.createContainer(pod.sandboxId, {
      metadata: { name },
      image: { image: this.images.workload },
      args,
      ...(command ? { command } : {}),
      logPath: `${name}.log`,
    }, pod.config);
    await this.cri.startContainer(id);
    return id;
  }

  async waitFor(id: string, state: ContainerStatus['state'], timeoutMs = 30_000): Promise<ContainerStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.cri.containerStatus(id);
      if (status.state === state) return status;
      if (Date.now() > deadline) throw new Error(`container ${status.name} is ${status.state}, not ${state}, after ${timeoutMs} ms`);
      await delay(100);
    }
  }

  /** The container's log, as content lines (the CRI log format's timestamp, stream and tag dropped). */
  logLines(pod: RunningPod, container: string): string[] {
    let text = '';
    try { text = readFileSync(join(pod.config.logDirectory!, `${container}.log`), 'utf8'); } catch { return []; }
    return text.split('\n').filter(Boolean).map((line) => line.split(' ').slice(3).join(' '));
  }

  /** Stops and removes every sandbox this helper made (their containers go with them). */
  async removeAll(): Promise<void> {
    for (const id of this.sandboxes.splice(0)) {
      await this.cri.stopPodSandbox(id).catch(() => undefined);
      await this.cri.removePodSandbox(id).catch(() => undefined);
    }
    rmSync(this.logRoot, { recursive: true, force: true });
  }
}
