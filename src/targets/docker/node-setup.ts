/**
 * The I/O of a node's NodeSetup (node-container-plan.ts), run by the supervisor inside the
 * node container: files written before anything starts, cgroups made writable, the kit's
 * images imported once the runtime answers.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildOciArchive } from '../../../reference/workloads/oci-image.ts';
import type { NodeSetup } from './node-container-plan.ts';

const run = promisify(execFile);

export async function writeSetupFiles(setup: NodeSetup): Promise<void> {
  for (const f of setup.files) {
    await mkdir(dirname(f.path), { recursive: true });
    await writeFile(f.path, f.content);
  }
}

/**
 * Docker mounts an unprivileged container's cgroup v1 hierarchies read-only. The node
 * container has its own cgroup namespace (cgroupns private), so each hierarchy's root is the
 * container's own cgroup: remounting those bind mounts read-write lets runc create the Pod
 * containers' cgroups below the node's, and docker removes the whole subtree with the
 * container, so nothing is left on the host. (A bind mount of the host's /sys/fs/cgroup
 * would put them at the host's root, outliving a killed node.)
 */
export async function makeCgroupsWritable(): Promise<void> {
  for (const path of readOnlyCgroupMounts(await readFile('/proc/self/mounts', 'utf8'))) await run('mount', ['-o', 'remount,bind,rw', path]);
}

/** The read-only cgroup mounts under /sys/fs/cgroup in a /proc/self/mounts table. */
export function readOnlyCgroupMounts(table: string): string[] {
  return table.split('\n').map((l) => l.split(' ')).filter(([, path, type, opts]) => (type === 'cgroup' || type === 'cgroup2') && path?.startsWith('/sys/fs/cgroup/') === true && (opts ?? '').split(',').includes('ro')).map(([, path]) => path as string);
}

/** The kit's workload and pause images into the runtime, as ContainerdRuntime does on the host. */
export async function importImages(setup: NodeSetup): Promise<void> {
  if (setup.imageImport === undefined) return;
  const archive = join(tmpdir(), 'kck-images.tar');
  await writeFile(archive, buildOciArchive());
  try {
    await run('ctr', ['--address', setup.imageImport.address, '-n', setup.imageImport.namespace, 'images', 'import', archive], { timeout: 120_000 });
  } finally {
    await rm(archive, { force: true });
  }
}
