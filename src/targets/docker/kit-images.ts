/**
 * The images the kit runs, all built from what is on this machine:
 *   kck/node-runtime:<kit version>  node + its libraries + the kit's sources and run-time
 *                                   node_modules; `docker run kck/node-runtime <component>`
 *                                   is `kck <component>`.
 *   kck/node:<kit version>          kck/node-runtime plus the host tools the reference runtime
 *                                   and kube-proxy exec (ip, iptables, nft, conntrack, chroot,
 *                                   ...) and busybox: one privileged container per node.
 *   kck/node-containerd:<version>   kck/node plus Debian's containerd, runc, ctr and CNI
 *                                   plugins (node-containerd-image.ts): nodes with KCK_CRI=containerd.
 *   kck/etcd:3.4                    Debian's etcd and etcdctl with their libraries.
 *   kck/workload:1                  the kit's workload layer (reference/workloads).
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { BUSYBOX_PATH, imageFiles } from '../../../reference/workloads/image-files.ts';
import { udpHelper } from '../../../reference/workloads/udp-helper.ts';
import { CATALOGUE, WORKLOAD_IMAGE } from '../../../reference/workloads/catalogue.ts';
import { buildImage, type ImageSpec, type RootfsEntry } from './image-builder.ts';
import { CONTAINERD_TOOLS, containerdEntries } from './node-containerd-image.ts';
import { nodeModulesClosure } from './node-modules-closure.ts';
import { binaryWithLibraries } from './shared-libraries.ts';

export const REPO_ROOT = join(import.meta.dirname, '../../..');
/** Where the kit lives inside kck/node-runtime. */
export const KIT_DIR = '/kit';

/** Run-time dependencies the image leaves out: the test runner, test libraries, this builder's own. */
const NOT_IN_IMAGE = new Set(['@cucumber/cucumber', 'testcontainers', 'fast-check']);
const SOURCE_DIRS = ['bin', 'src', 'reference', 'proto', 'schemas'];

const baseDirs: RootfsEntry[] = [
  { kind: 'dir', path: 'tmp', mode: 0o1777 },
  { kind: 'dir', path: 'etc', mode: 0o755 },
  { kind: 'content', path: 'etc/passwd', mode: 0o644, content: Buffer.from('root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n') },
  { kind: 'content', path: 'etc/group', mode: 0o644, content: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
  { kind: 'content', path: 'etc/nsswitch.conf', mode: 0o644, content: Buffer.from('hosts: files dns\n') },
];

async function walk(dir: string, skip: (name: string, isDir: boolean) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip(entry.name, entry.isDirectory())) continue;
    if (entry.isDirectory()) out.push(...(await walk(path, skip)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

async function fileEntry(abs: string, inImage: string): Promise<RootfsEntry> {
  const mode = (await stat(abs)).mode & 0o777;
  return { kind: 'file', path: inImage, mode, from: abs };
}

export async function kitVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
  return pkg.version;
}

export async function nodeRuntimeEntries(): Promise<RootfsEntry[]> {
  const kit = KIT_DIR.slice(1);
  const entries: RootfsEntry[] = [...baseDirs, ...(await binaryWithLibraries(process.execPath)).map((e) => (e.path === process.execPath.slice(1) ? { ...e, path: 'usr/bin/node' } : e))];
  for (const dir of SOURCE_DIRS) {
    const files = await walk(join(REPO_ROOT, dir), (name, isDir) => (isDir ? name === 'test' || name === 'node_modules' : name.endsWith('.test.ts')));
    for (const f of files) entries.push(await fileEntry(f, join(kit, relative(REPO_ROOT, f))));
  }
  for (const f of ['package.json', 'tsconfig.json']) entries.push(await fileEntry(join(REPO_ROOT, f), join(kit, f)));
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const roots = Object.keys(pkg.dependencies).filter((d) => !NOT_IN_IMAGE.has(d));
  for (const pkgDir of nodeModulesClosure(REPO_ROOT, roots)) {
    // A package's nested node_modules holds its own packages; the closure lists those it needs.
    const files = await walk(join(REPO_ROOT, pkgDir), (name, isDir) => isDir && name === 'node_modules');
    for (const f of files) entries.push(await fileEntry(f, join(kit, relative(REPO_ROOT, f))));
  }
  return entries;
}

export async function nodeRuntimeImage(): Promise<ImageSpec & { version: string }> {
  const version = await kitVersion();
  return {
    tag: `kck/node-runtime:${version}`,
    version,
    entries: nodeRuntimeEntries,
    entrypoint: ['/usr/bin/node', `${KIT_DIR}/bin/kck.mjs`],
    cmd: ['--help'],
    workdir: KIT_DIR,
    env: { HOME: '/tmp' },
  };
}

/**
 * Host tools a node's components exec, by the path they have on this machine. The reference
 * runtime finds them in /usr/sbin, /usr/bin, /sbin or /bin (process-command.ts) and runs
 * `ip netns`, `ip -batch`, sysctl, iptables, chroot, prlimit and mknod; kube-proxy runs
 * iptables(-save|-restore), nft, conntrack and ipvsadm(-restore) where present. Tools this
 * machine lacks are left out (kube-proxy reports a mode it cannot run as failed).
 */
export const NODE_TOOLS = [
  '/usr/bin/ip', '/usr/sbin/iptables', '/usr/sbin/iptables-save', '/usr/sbin/iptables-restore',
  '/usr/sbin/ip6tables', '/usr/sbin/ip6tables-save', '/usr/sbin/ip6tables-restore',
  '/usr/sbin/nft', '/usr/sbin/conntrack', '/usr/sbin/ipvsadm', '/usr/sbin/ipvsadm-restore',
  '/usr/sbin/chroot', '/usr/bin/prlimit', '/usr/bin/mknod', '/usr/sbin/sysctl', '/usr/bin/sh',
  '/usr/bin/mount', '/usr/bin/umount', '/usr/bin/cat', '/usr/bin/kill',
];
/** iptables dlopens its match and target extensions from here. */
export const XTABLES_DIR = '/usr/lib/x86_64-linux-gnu/xtables';
/** Where kck/node keeps the workload image's prebuilt UDP helper. */
const NODE_UDP_HELPER = '/usr/lib/kck/kck-udp';
/** Files the tools read: protocol and service names for iptables and nft. */
const NODE_ETC = ['/etc/protocols', '/etc/services', '/etc/ethertypes'];

async function present(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

export async function nodeToolEntries(): Promise<RootfsEntry[]> {
  const entries: RootfsEntry[] = [
    // As on this machine (merged /usr): the runtime's tool lookup and scripts see /bin and /sbin.
    { kind: 'symlink', path: 'bin', target: 'usr/bin' },
    { kind: 'symlink', path: 'sbin', target: 'usr/sbin' },
    // `ip netns` keeps its namespaces under /run/netns; iptables -w locks /run/xtables.lock.
    { kind: 'dir', path: 'run', mode: 0o755 },
    { kind: 'symlink', path: 'var/run', target: '/run' },
    { kind: 'dir', path: 'var/lib', mode: 0o755 },
    // The workload images' busybox (reference/workloads/image-files.ts reads /bin/busybox).
    { kind: 'file', path: 'usr/bin/busybox', mode: 0o755, from: await realpath(BUSYBOX_PATH) },
    // Its UDP helper, compiled here: the node has no C compiler (KCK_UDP_HELPER names it).
    { kind: 'content', path: NODE_UDP_HELPER.slice(1), mode: 0o755, content: udpHelper() },
  ];
  for (const tool of NODE_TOOLS) if (await present(tool)) entries.push(...(await binaryWithLibraries(tool)));
  if (await present(XTABLES_DIR)) {
    for (const name of (await readdir(XTABLES_DIR)).filter((n) => n.endsWith('.so')).sort()) entries.push(...(await binaryWithLibraries(join(XTABLES_DIR, name))));
  }
  for (const f of NODE_ETC) if (await present(f)) entries.push({ kind: 'file', path: f.slice(1), mode: 0o644, from: f });
  return entries;
}

/** Entries by path, the first of each kept (libraries repeat across tools). */
function unique(entries: readonly RootfsEntry[]): RootfsEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => (seen.has(e.path) ? false : (seen.add(e.path), true)));
}

export async function nodeImage(): Promise<ImageSpec & { version: string }> {
  const runtime = await nodeRuntimeImage();
  return {
    ...runtime,
    tag: `kck/node:${runtime.version}`,
    entries: async () => unique([...(await nodeRuntimeEntries()), ...(await nodeToolEntries())]),
    env: { ...runtime.env, KCK_UDP_HELPER: NODE_UDP_HELPER },
    cmd: ['node', '--help'],
  };
}

export async function nodeContainerdImage(): Promise<ImageSpec & { version: string }> {
  const node = await nodeImage();
  return { ...node, tag: `kck/node-containerd:${node.version}`, entries: async () => unique([...(await node.entries()), ...(await containerdEntries())]) };
}

export const ETCD_BINARY = process.env['KCK_ETCD_BINARY'] ?? '/usr/bin/etcd';
export const ETCD_IMAGE = 'kck/etcd:3.4';

export const etcdImage: ImageSpec = {
  tag: ETCD_IMAGE,
  entries: async () => [
    ...baseDirs,
    { kind: 'dir', path: 'var/lib/etcd', mode: 0o700 },
    ...(await binaryWithLibraries(ETCD_BINARY)).map((e) => (e.path === ETCD_BINARY.slice(1) ? { ...e, path: 'usr/bin/etcd' } : e)),
    ...(await binaryWithLibraries('/usr/bin/etcdctl')),
  ],
  entrypoint: ['/usr/bin/etcd'],
};

const workload = CATALOGUE.find((i) => i.name === WORKLOAD_IMAGE);

export const workloadImage: ImageSpec = {
  tag: WORKLOAD_IMAGE,
  entries: () => Promise.resolve(imageFiles().map((f): RootfsEntry => (f.kind === 'file' ? { kind: 'content', path: f.path, mode: f.mode, content: f.content } : f))),
  entrypoint: workload?.entrypoint ?? ['/kck/workload'],
  cmd: workload?.cmd ?? ['pause'],
};

export async function kitImages(): Promise<Record<string, ImageSpec>> {
  // kck/node-containerd only where containerd is installed: a machine without it still builds the rest.
  const containerd = (await present(CONTAINERD_TOOLS[0] as string)) ? { 'node-containerd': await nodeContainerdImage() } : {};
  return { 'node-runtime': await nodeRuntimeImage(), node: await nodeImage(), ...containerd, etcd: etcdImage, workload: workloadImage };
}

export type KitImageName = 'node-runtime' | 'node' | 'node-containerd' | 'etcd';

const ready = new Map<KitImageName, Promise<string>>();

/**
 * The tag of a kit image, built first if its content changed. Checked once per process:
 * hashing kck/node-runtime reads every source and run-time package (~200 MB, seconds), and
 * the inputs do not change during a run, while a run may start a cluster per scenario.
 */
export function kitImage(name: KitImageName): Promise<string> {
  let tag = ready.get(name);
  if (tag === undefined) {
    const specs: Record<KitImageName, () => Promise<ImageSpec>> = { etcd: () => Promise.resolve(etcdImage), node: nodeImage, 'node-containerd': nodeContainerdImage, 'node-runtime': nodeRuntimeImage };
    const spec = specs[name]();
    tag = spec.then(async (spec) => (await buildImage(spec)).tag);
    // A failed build is asked again next time, not remembered.
    tag.catch(() => ready.delete(name));
    ready.set(name, tag);
  }
  return tag;
}
