/**
 * A reference component (or a real binary standing in for one) run as a child process of
 * the kit, with its log in the cluster's state folder and a readiness check.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startManagedProcess, type ManagedProcess } from '../../process/managed-process.ts';
import { withOwnHostname } from '../../process/own-hostname.ts';
import { eventually } from '../../world/eventually.ts';

export const KCK_BIN = fileURLToPath(new URL('../../../bin/kck.mjs', import.meta.url));

export interface ComponentSpec {
  /** Instance name, unique in the cluster, e.g. 'kube-apiserver-1'. */
  name: string;
  /** Either a kck component (`kck <component> ...args`) or an executable. */
  command: { kck: string } | { executable: string };
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Resolves when the component serves; throws (and is retried) until then. */
  ready(): Promise<void>;
  readyTimeoutMs?: number;
  /** Run in a UTS namespace with this host name (root only; see own-hostname.ts). */
  hostname?: string;
}

export class ComponentProcess {
  private process: ManagedProcess | undefined;

  constructor(
    readonly spec: ComponentSpec,
    private readonly logDir: string,
  ) {}

  get args(): readonly string[] {
    return this.spec.args;
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitStatus() === undefined;
  }

  async start(): Promise<void> {
    const { command, args } = this.spec;
    const [direct, directArgs] = 'kck' in command ? [process.execPath, [KCK_BIN, command.kck, ...args]] : [command.executable, args];
    const [exe, argv] = this.spec.hostname === undefined ? [direct, directArgs] : withOwnHostname(this.spec.hostname, direct, directArgs);
    const proc = await startManagedProcess(this.spec.name, exe, argv, join(this.logDir, `${this.spec.name}.log`), this.spec.env);
    this.process = proc;
    await eventually(`${this.spec.name} to become ready`, async () => {
      const status = proc.exitStatus();
      if (status !== undefined) throw new ExitedError(`${this.spec.name} exited (${status}):\n${await proc.logTail(15)}`);
      await this.spec.ready();
    }, { timeoutMs: this.spec.readyTimeoutMs ?? 60_000, isFatal: (e) => e instanceof ExitedError }).catch(async (error: unknown) => {
      await proc.stop(2_000);
      throw error instanceof Error ? new Error(`${error.message}\n--- ${this.spec.name} log ---\n${await proc.logTail(20)}`) : error;
    });
  }

  /** SIGKILL: the component gets no chance to clean up (crash faults). */
  async kill(): Promise<void> {
    await this.process?.kill();
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}

class ExitedError extends Error {}
