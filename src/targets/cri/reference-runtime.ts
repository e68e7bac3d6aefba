/**
 * ReferenceCriRuntime: starts the reference runtime (reference/runtime/main.ts) as its own
 * process on a temp socket, with its own bridge and pod CIDR, and stops it (SIGTERM: it kills
 * its containers and deletes their namespaces; after a SIGKILL the kit deletes what it
 * recorded) and removes its folder.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cri, CriRuntimeFactory } from '../../ports/cri.ts';
import { CriClient } from '../../clients/cri/cri-client.ts';
import { PAUSE_IMAGE, WORKLOAD_IMAGE } from '../../../reference/workloads/catalogue.ts';
import { removeRecordedPodNetworks } from '../../../reference/runtime/shell/pod-network.ts';
import { waitFor } from './wait-for.ts';

const MAIN = fileURLToPath(new URL('../../../reference/runtime/main.ts', import.meta.url));

function linkExists(name: string): boolean {
  try { execFileSync('ip', ['link', 'show', name], { stdio: 'ignore' }); return true; } catch { return false; }
}

export interface ReferenceCriRuntimeOptions {
  /** Override the network mode (default: netns as root, loopback otherwise). */
  network?: 'netns' | 'loopback';
  /** Where the runtime's own log lines go (default: dropped unless KCK_DEBUG is set). */
  onLog?: (line: string) => void;
  /** Pod CIDR and bridge of the node this runtime serves (default: a free 10.90.<n>.0/24 and kckr<n>). */
  podCidr?: string;
  bridge?: string;
  nodeName?: string;
}

export class ReferenceCriRuntime implements CriRuntimeFactory {
  readonly implementation = 'reference';
  readonly images = { pause: PAUSE_IMAGE, workload: WORKLOAD_IMAGE };

  constructor(private readonly options: ReferenceCriRuntimeOptions = {}) {}

  async start(): Promise<{ cri: Cri; stop(): Promise<void> }> {
    const dir = mkdtempSync(join(tmpdir(), 'kck-runtime-'));
    let n = 1 + Math.floor(Math.random() * 250);
    for (let i = 0; i < 250 && linkExists(`kckr${n}`); i++) n = 1 + (n % 250);
    const socket = join(dir, 'runtime.sock');
    const args = ['--import', 'tsx', MAIN, '--listen', `unix://${socket}`, '--root', join(dir, 'root'),
      '--node-name', this.options.nodeName ?? `cri-${n}`, '--pod-cidr', this.options.podCidr ?? `10.90.${n}.0/24`, '--bridge', this.options.bridge ?? `kckr${n}`];
    if (this.options.network) args.push('--network', this.options.network);
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
      if (this.options.onLog) for (const line of chunk.split('\n').filter(Boolean)) this.options.onLog(line);
      else if (process.env['KCK_DEBUG']) process.stderr.write(chunk);
    });
    let exited = false;
    const exitedPromise = new Promise<void>((resolve) => proc.once('exit', () => { exited = true; resolve(); }));
    const cri = new CriClient(`unix://${socket}`);
    const stop = async (): Promise<void> => {
      cri.close();
      if (!exited) proc.kill('SIGTERM');
      await Promise.race([exitedPromise, new Promise((r) => setTimeout(r, 20_000).unref())]);
      if (!exited) proc.kill('SIGKILL');
      // What a runtime killed mid-stop could not delete itself.
      await removeRecordedPodNetworks(join(dir, 'root'));
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitFor('reference runtime to answer', async () => (exited ? Promise.reject(new Error('runtime exited')) : cri.version()), 30_000);
    } catch (err) {
      await stop();
      throw new Error(`reference runtime did not start: ${String(err)}\n${stderr}`);
    }
    return { cri, stop };
  }
}
