/**
 * The reference kube-scheduler and kube-controller-manager (`kck scheduler`,
 * `kck controller-manager`) as processes against any apiserver: the mixed configuration
 * "upstream apiserver + reference controllers" of issue 9. Ready means "holds its
 * leader-election Lease", the same evidence the black-box topology uses.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectionFromKubeconfig } from '../../clients/kube/connection.ts';
import { KubeClient } from '../../clients/kube/kube-client.ts';
import type { KubeObject } from '../../ports/kube-api.ts';
import { startManagedProcess, type ManagedProcess } from '../../process/managed-process.ts';

export type ReferenceControllerName = 'kube-scheduler' | 'kube-controller-manager';

const KCK = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/kck.mjs');
const SUBCOMMAND: Record<ReferenceControllerName, string> = { 'kube-scheduler': 'scheduler', 'kube-controller-manager': 'controller-manager' };

export interface ReferenceControllersOptions {
  kubeconfigs: Partial<Record<ReferenceControllerName, string>>;
  stateDir: string;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface StartedReferenceControllers {
  readonly processes: ReadonlyMap<ReferenceControllerName, { pid: number; logPath: string }>;
  stop(): Promise<void>;
}

export async function startReferenceControllers(opts: ReferenceControllersOptions): Promise<StartedReferenceControllers> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[mixed] ${line}\n`));
  await mkdir(opts.stateDir, { recursive: true });
  const running = new Map<ReferenceControllerName, ManagedProcess>();
  const stop = async (): Promise<void> => {
    for (const [name, p] of [...running].reverse()) {
      await p.stop();
      log(`reference ${name} stopped (${p.exitStatus() ?? 'unknown'})`);
    }
    running.clear();
  };
  try {
    for (const [name, kubeconfig] of Object.entries(opts.kubeconfigs) as [ReferenceControllerName, string][]) {
      const p = await startManagedProcess(`reference-${name}`, process.execPath, [KCK, SUBCOMMAND[name], '--kubeconfig', kubeconfig], join(opts.stateDir, `reference-${name}.log`));
      running.set(name, p);
      log(`reference ${name} started (pid ${p.pid}, log ${p.logPath})`);
      await waitForLease(name, kubeconfig, p, opts.startTimeoutMs ?? 120_000);
      log(`reference ${name} holds its lease`);
    }
    return { processes: new Map([...running].map(([n, p]) => [n, { pid: p.pid, logPath: p.logPath }])), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForLease(name: string, kubeconfig: string, p: ManagedProcess, deadlineMs: number): Promise<void> {
  const kube = new KubeClient(await connectionFromKubeconfig(kubeconfig));
  const end = Date.now() + deadlineMs;
  let last = 'no lease yet';
  try {
    for (;;) {
      const status = p.exitStatus();
      if (status !== undefined) throw new Error(`reference ${name} exited (${status})\n--- ${p.logPath} (tail) ---\n${await p.logTail()}`);
      try {
        const lease = await kube.get<KubeObject & { spec?: { holderIdentity?: string } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name });
        if ((lease?.spec?.holderIdentity ?? '') !== '') return;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > end) throw new Error(`reference ${name} took no lease within ${deadlineMs} ms (${last})\n--- ${p.logPath} (tail) ---\n${await p.logTail()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    kube.close();
  }
}
