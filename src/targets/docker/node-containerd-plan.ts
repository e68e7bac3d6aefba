/**
 * What a node container runs with KCK_CRI=containerd: Debian's containerd (kck/node-containerd)
 * as the node's CRI runtime in place of the reference runtime, the reference kubelet pointed at
 * containerd's socket, kube-proxy as before. containerd's config is containerdConfig() with
 * what a node container needs, its CNI conflist puts Pods on cbr0 in the node's pod CIDR (the
 * gateway is the node, so podRoutes() between nodes carry Pod traffic as with the reference
 * runtime). Pure: no I/O; the supervisor writes the files and runs the processes.
 *
 * Where things live, and why:
 *   /var/lib/containerd  root (content store, overlayfs snapshots): a tmpfs (CONTAINERD_TMPFS).
 *                        overlayfs refuses an upper directory on overlayfs, and the container's
 *                        own filesystem is overlay2; a tmpfs also goes with the container, so
 *                        teardown leaves no volume behind.
 *   /run/containerd      state, sockets, shim bundles: a tmpfs too, so a node container that
 *                        docker restarts starts containerd clean (its root is gone as well).
 *   /etc/cni/net.d       the conflist, written in place before containerd starts (containerd
 *                        1.6 ignores a conflist renamed into conf_dir).
 */
import { join } from 'node:path';
import { PAUSE_IMAGE } from '../../../reference/workloads/catalogue.ts';
import { nodeComponentArgs, type NodeFiles, type NodeOptions, type NodePlan } from '../reference/reference-nodes.ts';
import { cniConflist, containerdConfig } from '../cri/containerd-config.ts';
import type { NodeContainerPlan } from './node-container-plan.ts';

const ROOT = '/var/lib/containerd';
const STATE = '/run/containerd';
const SOCKET = `${STATE}/containerd.sock`;
const CONFIG = '/etc/containerd/config.toml';
const CNI_CONF_DIR = '/etc/cni/net.d';

/** tmpfs mounts of a containerd node container (path -> mount options); `exec`: snapshots hold the images' programs. */
export const CONTAINERD_TMPFS: Readonly<Record<string, string>> = { [ROOT]: 'rw,exec,mode=0711', [STATE]: 'rw,exec,mode=0711' };

export function containerdNodePlan(node: NodePlan, files: NodeFiles, options: NodeOptions): NodeContainerPlan {
  const endpoint = `unix://${SOCKET}`;
  const components = nodeComponentArgs(node, files, options, endpoint).map((c) =>
    c.kck === 'runtime' ? { name: `containerd-${node.name}`, kck: 'runtime' as const, executable: '/usr/bin/containerd', args: ['--config', CONFIG] } : c);
  // The image import names it docker.io/<name>:<tag>; sandbox_image must be that full name.
  const config = containerdConfig({ root: ROOT, state: STATE, socket: SOCKET, cniConfDir: CNI_CONF_DIR, sandboxImage: `docker.io/${PAUSE_IMAGE}` });
  return {
    node: node.name,
    criSocket: endpoint,
    components,
    setup: {
      files: [
        { path: CONFIG, content: config },
        // cbr0 with the node as gateway (10.244.<i>.1), as the reference runtime's bridge; the
        // IP allocations on the state tmpfs, so they go when the Pods do (a container restart).
        { path: join(CNI_CONF_DIR, '10-kck.conflist'), content: cniConflist('cbr0', node.podCidr, join(STATE, 'cni-ipam')) },
      ],
      writableCgroups: true,
      imageImport: { address: SOCKET, namespace: 'k8s.io' },
    },
  };
}
