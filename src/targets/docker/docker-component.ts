/**
 * One reference component (or Debian etcd) in a container of its own: started through
 * testcontainers, then killed (SIGKILL), stopped (SIGTERM) and started again with docker,
 * keeping its address, published ports and writable layer.
 */
import { execFile } from 'node:child_process';
import type { StartedTestContainer } from 'testcontainers';
import { eventually } from '../../world/eventually.ts';
import { docker } from './docker-cli.ts';
import { startKitContainer, type KitContainerSpec } from './kit-container.ts';

export interface DockerComponentSpec extends KitContainerSpec {
  /** Instance name, e.g. 'kube-apiserver-1'. */
  instance: string;
  /** The component's own flags (for Topology). */
  args: readonly string[];
  /** Runs once the container is up, before readiness (e.g. routes a restart lost). */
  afterStart?(): Promise<void>;
  ready(): Promise<void>;
  readyTimeoutMs?: number;
}

class ExitedError extends Error {}

export class DockerComponent {
  private container: StartedTestContainer | undefined;
  private up = false;

  constructor(readonly spec: DockerComponentSpec) {}

  get args(): readonly string[] {
    return this.spec.args;
  }

  get running(): boolean {
    return this.up;
  }

  get id(): string | undefined {
    return this.container?.getId();
  }

  async start(): Promise<void> {
    if (this.container === undefined) this.container = await startKitContainer(this.spec);
    else await docker(['start', this.container.getId()]);
    this.up = true;
    const id = this.container.getId();
    await this.spec.afterStart?.();
    await eventually(`${this.spec.instance} to become ready`, async () => {
      const state = (await docker(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', id])).trim();
      if (state.startsWith('false')) throw new ExitedError(`${this.spec.instance} exited (${state.split(' ')[1] ?? '?'}):\n${await this.logTail()}`);
      await this.spec.ready();
    }, { timeoutMs: this.spec.readyTimeoutMs ?? 90_000, isFatal: (e) => e instanceof ExitedError }).catch(async (error: unknown) => {
      throw error instanceof Error && !(error instanceof ExitedError) ? new Error(`${error.message}\n--- ${this.spec.instance} log ---\n${await this.logTail()}`) : error;
    });
  }

  /** The container's last output lines, stdout and stderr (docker logs splits them). */
  async logTail(lines = 20): Promise<string> {
    if (this.container === undefined) return '';
    const id = this.container.getId();
    return new Promise((resolve) => {
      execFile('docker', ['logs', '--tail', String(lines), id], { timeout: 20_000, maxBuffer: 16 * 1024 * 1024 }, (_error, stdout, stderr) => {
        resolve([stdout, stderr].filter((s) => s.trim() !== '').join('--- stderr ---\n'));
      });
    });
  }

  /** Runs a command inside the container (docker exec). */
  async exec(argv: readonly string[]): Promise<string> {
    if (this.container === undefined) throw new Error(`${this.spec.instance} has no container`);
    return docker(['exec', this.container.getId(), ...argv]);
  }

  /** SIGKILL: a crash. */
  async kill(): Promise<void> {
    if (this.container === undefined || !this.up) return;
    await docker(['kill', this.container.getId()]).catch(() => undefined);
    await docker(['wait', this.container.getId()]).catch(() => undefined);
    this.up = false;
  }

  async stop(): Promise<void> {
    if (this.container === undefined || !this.up) return;
    await docker(['stop', '-t', '10', this.container.getId()]);
    this.up = false;
  }

  async remove(): Promise<void> {
    if (this.container === undefined) return;
    await docker(['rm', '-f', '-v', this.container.getId()]).catch(() => undefined);
    this.container = undefined;
    this.up = false;
  }
}
