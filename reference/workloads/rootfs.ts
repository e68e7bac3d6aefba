/**
 * Materializes the workload layer as a directory: the root filesystem the reference runtime
 * runs catalogue images from (the same files containerd unpacks from the OCI archive).
 *
 * Idempotent and safe on a root that is in use: a file already holding the right bytes is
 * left alone, any other is replaced by rename (never rewritten in place, which a running
 * binary would refuse with ETXTBSY), so a root from an older kit gains the files added since.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { imageFiles } from './image-files.ts';

function sameFile(path: string, content: Buffer, mode: number): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size === content.length && (st.mode & 0o7777) === mode && readFileSync(path).equals(content);
  } catch {
    return false;
  }
}

export function materializeRootfs(dir: string, busyboxPath?: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of imageFiles(busyboxPath)) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    // Existing folders are left as they are: /proc or /dev may be mounted over by now.
    if (f.kind === 'dir') { if (!existsSync(path)) { mkdirSync(path); chmodSync(path, f.mode); } }
    else if (f.kind === 'symlink') { if (!existsSync(path)) symlinkSync(f.target, path); }
    else if (!sameFile(path, f.content, f.mode)) {
      const partial = `${path}.${process.pid}.partial`;
      writeFileSync(partial, f.content);
      chmodSync(partial, f.mode);
      renameSync(partial, path);
    }
  }
}
