/**
 * One reference component (or Debian etcd) in a container of its own: started through
 * testcontainers, then killed (SIGKILL), stopped (SIGTERM) and started again with docker,
 * keeping its address, published ports and writable layer.
 */
import type { StartedTestContainer } from 'testcontainers';
import { eventually } from '../../world/eventually.ts';
import { docker } from './docker-cli.ts';
import { startKitContainer, type KitContainerSpec } from './kit-container.ts';

export interface DockerComponentSpec extends KitContainerSpec {
  /** Instance name, e.g. 'kube-apiserver-1'. */
  instance: string;
  /** The component's own flags (for Topology). */
  args: readonly string[];
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
    await eventually(`${this.spec.instance} to become ready`, async () => {
      const state = (await docker(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', id])).trim();
      if (state.startsWith('false')) throw new ExitedError(`${this.spec.instance} exited (${state.split(' ')[1] ?? '?'}):\n${await this.logTail()}`);
      await this.spec.ready();
    }, { timeoutMs: this.spec.readyTimeoutMs ?? 90_000, isFatal: (e) => e instanceof ExitedError }).catch(async (error: unknown) => {
      throw error instanceof Error && !(error instanceof ExitedError) ? new Error(`${error.message}\n--- ${this.spec.instance} log ---\n${await this.logTail()}`) : error;
    });
  }

  async logTail(lines = 20): Promise<string> {
    if (this.container === undefined) return '';
    return docker(['logs', '--tail', String(lines), this.container.getId()]).catch(() => '');
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
