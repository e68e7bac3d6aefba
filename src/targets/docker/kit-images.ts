/**
 * The images the kit runs, all built from what is on this machine:
 *   kck/node-runtime:<kit version>  node + its libraries + the kit's sources and run-time
 *                                   node_modules; `docker run kck/node-runtime <component>`
 *                                   is `kck <component>`.
 *   kck/etcd:3.4                    Debian's etcd and etcdctl with their libraries.
 *   kck/workload:1                  the kit's workload layer (reference/workloads).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { imageFiles } from '../../../reference/workloads/image-files.ts';
import { CATALOGUE, WORKLOAD_IMAGE } from '../../../reference/workloads/catalogue.ts';
import { buildImage, type ImageSpec, type RootfsEntry } from './image-builder.ts';
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
  return { 'node-runtime': await nodeRuntimeImage(), etcd: etcdImage, workload: workloadImage };
}

const ready = new Map<'node-runtime' | 'etcd', Promise<string>>();

/**
 * The tag of a kit image, built first if its content changed. Checked once per process:
 * hashing kck/node-runtime reads every source and run-time package (~200 MB, seconds), and
 * the inputs do not change during a run, while a run may start a cluster per scenario.
 */
export function kitImage(name: 'node-runtime' | 'etcd'): Promise<string> {
  let tag = ready.get(name);
  if (tag === undefined) {
    tag = (name === 'etcd' ? Promise.resolve(etcdImage) : nodeRuntimeImage()).then(async (spec) => (await buildImage(spec)).tag);
    // A failed build is asked again next time, not remembered.
    tag.catch(() => ready.delete(name));
    ready.set(name, tag);
  }
  return tag;
}
