/**
 * The files a dynamically linked binary needs in a FROM-scratch image: what `ldd` lists plus
 * the loader. Each is copied under the path the binary asks for, with the content of the file
 * the symlink chain ends at (`cp -L`), so the image needs no symlinks into /usr.
 */
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { RootfsEntry } from './image-builder.ts';

const run = promisify(execFile);

export async function sharedLibraries(binary: string): Promise<RootfsEntry[]> {
  let out = '';
  try {
    out = (await run('ldd', [binary])).stdout;
  } catch {
    return []; // "not a dynamic executable": a static binary needs nothing.
  }
  const paths = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1] !== undefined) paths.add(m[1]);
  }
  const entries: RootfsEntry[] = [];
  for (const path of paths) entries.push({ kind: 'file', path: path.slice(1), mode: 0o755, from: await realpath(path) });
  return entries;
}

/** A binary and its libraries, at the same paths as on this machine. */
export async function binaryWithLibraries(binary: string): Promise<RootfsEntry[]> {
  return [{ kind: 'file', path: binary.replace(/^\//, ''), mode: 0o755, from: await realpath(binary) }, ...(await sharedLibraries(binary))];
}
