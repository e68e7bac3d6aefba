/**
 * One etcd member as a child process (the Debian etcd binary or the reference
 * `reference/etcd/main.ts`), started with the flags real etcd users know. The process is
 * killed with its whole process group so no member outlives a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '../../..');

export interface MemberTls {
  caPath: string;
  certPath: string;
  keyPath: string;
}

export interface MemberSpec {
  name: string;
  dataDir: string;
  clientUrl: string;
  peerUrl: string;
  /** The listen address for peers when it differs from the advertised one. */
  listenPeerUrl?: string;
  initialCluster: string;
  initialClusterState: 'new' | 'existing';
  clusterToken: string;
  /** Client TLS with client-certificate auth. */
  tls?: MemberTls;
  /** Where the member's stderr/stdout go. */
  logPath: string;
}

export type MemberCommand = (spec: MemberSpec) => { command: string; args: string[]; env?: Record<string, string> };

export function etcdFlags(spec: MemberSpec): string[] {
  const flags = [
    `--name=${spec.name}`,
    `--data-dir=${spec.dataDir}`,
    `--listen-client-urls=${spec.clientUrl}`,
    `--advertise-client-urls=${spec.clientUrl}`,
    `--listen-peer-urls=${spec.listenPeerUrl ?? spec.peerUrl}`,
    `--initial-advertise-peer-urls=${spec.peerUrl}`,
    `--initial-cluster=${spec.initialCluster}`,
    `--initial-cluster-state=${spec.initialClusterState}`,
    `--initial-cluster-token=${spec.clusterToken}`,
  ];
  if (spec.tls !== undefined) {
    flags.push('--client-cert-auth', `--trusted-ca-file=${spec.tls.caPath}`, `--cert-file=${spec.tls.certPath}`, `--key-file=${spec.tls.keyPath}`);
  }
  return flags;
}

/** Debian's etcd 3.4. */
export const externalEtcdCommand: MemberCommand = (spec) => ({
  command: process.env['KCK_ETCD_BINARY'] ?? '/usr/bin/etcd',
  args: etcdFlags(spec),
  // Debian's etcd reads ETCD_* variables; make sure none leak in from the environment.
  env: Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith('ETCD_') && v !== undefined)) as Record<string, string>,
});

/** The reference etcd member, started as users start it: `kck etcd <etcd flags>`. */
export const referenceEtcdCommand: MemberCommand = (spec) => ({
  command: process.execPath,
  args: [join(repoRoot, 'bin/kck.mjs'), 'etcd', ...etcdFlags(spec)],
});

export class MemberProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: MemberSpec, private readonly command: MemberCommand, private readonly wrap?: (cmd: { command: string; args: string[] }) => { command: string; args: string[] }) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    if (this.child !== undefined) return;
    const base = this.command(this.spec);
    const { command, args } = this.wrap ? this.wrap(base) : base;
    const log = createWriteStream(this.spec.logPath, { flags: 'a' });
    // cwd = the repository, so `--import tsx` resolves for reference members.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: base.env ?? process.env, cwd: repoRoot });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => {
      if (this.child === child) this.child = undefined;
      resolve();
    }));
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      this.child?.kill(signal);
    }
  }

  async kill(): Promise<void> {
    if (this.child === undefined) return;
    this.signal('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child === undefined) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
