/**
 * kck/node-containerd:<kit version>: kck/node plus Debian's containerd, its runc shim, runc,
 * ctr and the CNI plugins the node's conflist names (containerd-config.ts), with their
 * shared libraries, at the paths they have on this machine (containerd finds the shim and
 * runc on PATH; the CRI plugin's bin_dir is /usr/lib/cni). An image of its own rather than
 * more files in kck/node: the default node image stays as it is (the reference runtime
 * needs none of these) and a containerd upgrade on this machine rebuilds only this image.
 */
import { stat } from 'node:fs/promises';
import type { RootfsEntry } from './image-builder.ts';
import { binaryWithLibraries } from './shared-libraries.ts';

export const CONTAINERD_TOOLS = ['/usr/bin/containerd', '/usr/bin/containerd-shim-runc-v2', '/usr/sbin/runc', '/usr/bin/ctr'];
/** bridge + host-local + loopback make the Pod network; portmap serves hostPort mappings. */
export const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'].map((p) => `/usr/lib/cni/${p}`);

/** Fails with what to install when this machine lacks one of them (the image would not run). */
export async function containerdEntries(): Promise<RootfsEntry[]> {
  const entries: RootfsEntry[] = [
    // containerd's root (snapshots) is a tmpfs mounted here at run time: see node-containerd-plan.ts.
    { kind: 'dir', path: 'var/lib/containerd', mode: 0o711 },
  ];
  for (const binary of [...CONTAINERD_TOOLS, ...CNI_PLUGINS]) {
    if (!(await stat(binary).then(() => true, () => false))) throw new Error(`kck/node-containerd needs ${binary} (apt-get install containerd runc containernetworking-plugins)`);
    entries.push(...(await binaryWithLibraries(binary)));
  }
  return entries;
}
