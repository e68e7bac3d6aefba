/**
 * ReferenceNode: one worker node as the kit runs it on this machine: a CRI runtime (the
 * reference runtime or containerd, KCK_CRI) on its own bridge and pod CIDR, and the reference
 * kubelet as its own process (`reference/kubelet/main.ts` with upstream-style flags) talking
 * to the apiserver through a kubeconfig and to the runtime through the CRI socket.
 * The reference cluster's addNode() can start nodes the same way.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cri } from '../../ports/cri.ts';
import { criRuntimeFactory } from './cri-runtime-factory.ts';
import { issueServingCert } from './serving-cert.ts';

const KUBELET_MAIN = fileURLToPath(new URL('../../../reference/kubelet/main.ts', import.meta.url));

export interface ReferenceNodeOptions {
  name: string;
  kubeconfigPath: string;
  /** e.g. 10.244.1.0/24; the bridge is kckn<index>. */
  index: number;
  runtime?: string;
  log?: (line: string) => void;
  /** The cluster CA, to sign the kubelet's serving certificate (log server over HTTPS). */
  ca?: { caCert: string; caKey: string };
}

export interface StartedNode {
  readonly name: string;
  readonly podCidr: string;
  readonly manifestDir: string;
  readonly cri: Cri;
  readonly kubeletArgs: readonly string[];
  stop(): Promise<void>;
}

export async function startReferenceNode(o: ReferenceNodeOptions): Promise<StartedNode> {
  const podCidr = `10.244.${o.index}.0/24`;
  const runtime = await criRuntimeFactory(o.runtime ?? process.env['KCK_CRI'] ?? 'reference', { podCidr, bridge: `kckn${o.index}`, nodeName: o.name }).start();
  const dir = mkdtempSync(join(tmpdir(), `kck-node-${o.name}-`));
  const manifestDir = join(dir, 'manifests');
  mkdirSync(manifestDir, { recursive: true });
  const args = [
    '--kubeconfig', o.kubeconfigPath,
    '--hostname-override', o.name,
    '--container-runtime-endpoint', runtime.cri.endpoint,
    '--pod-manifest-path', manifestDir,
    '--root-dir', join(dir, 'root'),
    '--node-ip', '127.0.0.1',
    '--pod-cidr', podCidr,
    '--port', '0',
  ];
  if (o.ca) {
    const { certFile, keyFile } = issueServingCert(dir, o.ca, o.name, '127.0.0.1');
    args.push('--tls-cert-file', certFile, '--tls-private-key-file', keyFile);
  }
  const proc = spawn(process.execPath, ['--import', 'tsx', KUBELET_MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk: string) => { for (const line of chunk.split('\n').filter(Boolean)) o.log?.(line); });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => proc.once('exit', () => { exited = true; resolve(); }));
  return {
    name: o.name,
    podCidr,
    manifestDir,
    cri: runtime.cri,
    kubeletArgs: args,
    async stop() {
      if (!exited) proc.kill('SIGTERM');
      await Promise.race([exitedPromise, new Promise((r) => setTimeout(r, 15_000).unref())]);
      if (!exited) proc.kill('SIGKILL');
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
