/**
 * ContainerdRuntime: starts a private containerd (own config, root, state, socket, CNI
 * bridge), imports the kit's workload images with `ctr -n k8s.io images import`, and on
 * stop removes every pod it ran, stops containerd and cleans its folders, mounts and bridge.
 * Needs root and Debian's containerd, runc and containernetworking-plugins.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cri, CriRuntimeFactory } from '../../ports/cri.ts';
import { CriClient } from '../../clients/cri/cri-client.ts';
import { buildOciArchive } from '../../../reference/workloads/oci-image.ts';
import { PAUSE_IMAGE, WORKLOAD_IMAGE } from '../../../reference/workloads/catalogue.ts';
import { cniConflist, containerdConfig } from './containerd-config.ts';
import { waitFor } from './wait-for.ts';
import { startManagedProcess } from '../../process/managed-process.ts';

function linkExists(name: string): boolean {
  try { execFileSync('ip', ['link', 'show', name], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** Picks a bridge name and /24 no other instance on this machine uses right now. */
function pickBridge(): { bridge: string; subnet: string } {
  for (let i = 0; i < 200; i++) {
    const n = 1 + ((process.pid + i * 37 + Math.floor(Math.random() * 250)) % 250);
    const bridge = `kckc${n}`;
    if (!linkExists(bridge)) return { bridge, subnet: `10.88.${n}.0/24` };
  }
  throw new Error('no free kckc bridge name');
}

function unmountUnder(dir: string): void {
  let mounts: string[] = [];
  try { mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir)); } catch { /* no /proc */ }
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* already gone */ }
  }
}

export interface ContainerdRuntimeOptions {
  /** Pod CIDR and CNI bridge of the node (default: a free 10.88.<n>.0/24 and kckc<n>). */
  podCidr?: string;
  bridge?: string;
}

export class ContainerdRuntime implements CriRuntimeFactory {
  readonly implementation = 'containerd';
  readonly images = { pause: `docker.io/${PAUSE_IMAGE}`, workload: `docker.io/${WORKLOAD_IMAGE}` };

  constructor(private readonly options: ContainerdRuntimeOptions = {}) {}

  async start(): Promise<{ cri: Cri; stop(): Promise<void> }> {
    const dir = mkdtempSync(join(tmpdir(), 'kck-containerd-'));
    const picked = this.options.podCidr && this.options.bridge ? { bridge: this.options.bridge, subnet: this.options.podCidr } : pickBridge();
    const { bridge, subnet } = picked;
    const paths = {
      root: join(dir, 'root'),
      state: join(dir, 'state'),
      socket: join(dir, 'containerd.sock'),
      cniConfDir: join(dir, 'cni'),
      sandboxImage: this.images.pause,
    };
    mkdirSync(paths.cniConfDir, { recursive: true });
    // containerd 1.6 only notices a conflist written in place (a rename into conf_dir is ignored).
    writeFileSync(join(paths.cniConfDir, '10-kck.conflist'), cniConflist(bridge, subnet, join(dir, 'ipam')));
    writeFileSync(join(dir, 'config.toml'), containerdConfig(paths));
    // Pods of other nodes (other bridges on this host) must be reachable: forward to and
    // from this bridge even where docker set the FORWARD policy to DROP (as the reference
    // runtime does for its bridge).
    const forwardRules: string[][] = [];
    try { execFileSync('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1'], { stdio: 'ignore' }); } catch { /* read-only */ }
    for (const flag of ['-i', '-o']) {
      const rule = ['FORWARD', flag, bridge, '-j', 'ACCEPT'];
      try { execFileSync('iptables', ['-I', ...rule], { stdio: 'ignore' }); forwardRules.push(rule); } catch { /* no iptables */ }
    }
    // A managed process: its watchdog kills containerd if this process dies without stopping it.
    const proc = await startManagedProcess('containerd', 'containerd', ['--config', join(dir, 'config.toml')], join(dir, 'containerd.log'));
    const exited = (): boolean => proc.exitStatus() !== undefined;
    const cri = new CriClient(`unix://${paths.socket}`);
    const cleanup = async (): Promise<void> => {
      try {
        const sandboxes = await cri.listPodSandbox();
        for (const s of sandboxes) {
          await cri.stopPodSandbox(s.id).catch(() => undefined);
          await cri.removePodSandbox(s.id).catch(() => undefined);
        }
      } catch { /* containerd already gone */ }
      cri.close();
      await proc.stop(15_000).catch(() => undefined);
      unmountUnder(dir);
      for (const rule of forwardRules) { try { execFileSync('iptables', ['-D', ...rule], { stdio: 'ignore' }); } catch { /* gone */ } }
      if (linkExists(bridge)) { try { execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' }); } catch { /* raced */ } }
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    };
    try {
      await waitFor('containerd CRI to answer', async () => (exited() ? Promise.reject(new Error(`containerd exited; see ${dir}/containerd.log`)) : cri.version()), 30_000);
      const archive = join(dir, 'kck-images.tar');
      writeFileSync(archive, buildOciArchive());
      execFileSync('ctr', ['--address', paths.socket, '-n', 'k8s.io', 'images', 'import', archive], { stdio: 'pipe' });
      rmSync(archive);
      return { cri, stop: cleanup };
    } catch (err) {
      let log = '';
      try { log = readFileSync(join(dir, 'containerd.log'), 'utf8').slice(-2000); } catch { /* none */ }
      await cleanup();
      throw new Error(`containerd did not start: ${String(err)}\n${log}`);
    }
  }
}
