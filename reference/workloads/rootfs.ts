/**
 * Materializes the workload layer as a directory: the root filesystem the reference runtime
 * runs catalogue images from (the same files containerd unpacks from the OCI archive).
 */
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { imageFiles } from './image-files.ts';

export function materializeRootfs(dir: string, busyboxPath?: string): void {
  if (existsSync(join(dir, 'kck', 'workload'))) return;
  mkdirSync(dir, { recursive: true });
  for (const f of imageFiles(busyboxPath)) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    if (f.kind === 'dir') { mkdirSync(path, { recursive: true }); chmodSync(path, f.mode); }
    else if (f.kind === 'symlink') { if (!existsSync(path)) symlinkSync(f.target, path); }
    else { writeFileSync(path, f.content); chmodSync(path, f.mode); }
  }
}
