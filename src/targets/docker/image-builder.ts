/**
 * Builds a FROM-scratch image from a list of root filesystem entries. The entries are hashed
 * first (paths, modes, contents); the hash is a label on the image, so a second build with
 * nothing changed only hashes and asks docker one question. Nothing is ever pulled.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { docker, OWNED } from './docker-cli.ts';

export type RootfsEntry =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; from: string }
  | { kind: 'content'; path: string; mode: number; content: Buffer }
  | { kind: 'symlink'; path: string; target: string };

export interface ImageSpec {
  /** `kck/<name>:<version>`. */
  readonly tag: string;
  entries(): Promise<RootfsEntry[]>;
  readonly entrypoint: readonly string[];
  readonly cmd?: readonly string[];
  readonly workdir?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export const HASH_LABEL = 'kck.io/content-hash';

export interface BuildResult {
  tag: string;
  built: boolean;
  hash: string;
  seconds: number;
}

function dockerfile(spec: ImageSpec, hash: string): string {
  const lines = ['FROM scratch', 'COPY rootfs/ /'];
  for (const [k, v] of Object.entries(spec.env ?? {})) lines.push(`ENV ${k}=${JSON.stringify(v)}`);
  if (spec.workdir !== undefined) lines.push(`WORKDIR ${spec.workdir}`);
  lines.push(`ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`);
  if (spec.cmd !== undefined) lines.push(`CMD ${JSON.stringify(spec.cmd)}`);
  lines.push(`LABEL ${OWNED} ${HASH_LABEL}=${hash}`);
  return `${lines.join('\n')}\n`;
}

async function contentHash(spec: ImageSpec, entries: readonly RootfsEntry[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ entrypoint: spec.entrypoint, cmd: spec.cmd, workdir: spec.workdir, env: spec.env }));
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`\0${e.kind}\0${e.path}\0`);
    if (e.kind === 'symlink') hash.update(e.target);
    else hash.update(e.mode.toString(8));
    if (e.kind === 'file') hash.update(await readFile(e.from));
    if (e.kind === 'content') hash.update(e.content);
  }
  return hash.digest('hex').slice(0, 32);
}

/** The image id and content hash the tag names now, if any. */
async function current(tag: string): Promise<{ id: string; hash: string | undefined } | undefined> {
  try {
    const out = await docker(['image', 'inspect', '--format', `{{ .Id }} {{ index .Config.Labels "${HASH_LABEL}" }}`, tag], { timeoutMs: 20_000 });
    const [id = '', hash = ''] = out.trim().split(' ');
    return { id, hash: hash || undefined };
  } catch {
    return undefined;
  }
}

async function writeRootfs(root: string, entries: readonly RootfsEntry[]): Promise<void> {
  await mkdir(root, { recursive: true });
  // Directories first so that their modes are not overwritten by later mkdirs.
  for (const e of entries) {
    const path = join(root, e.path);
    if (e.kind === 'dir') await mkdir(path, { recursive: true });
    else await mkdir(dirname(path), { recursive: true });
    if (e.kind === 'file') await copyFile(e.from, path);
    if (e.kind === 'content') await writeFile(path, e.content);
    if (e.kind === 'symlink') await symlink(e.target, path).catch((error: NodeJS.ErrnoException) => { if (error.code !== 'EEXIST') throw error; });
  }
  for (const e of entries) if (e.kind !== 'symlink') await chmod(join(root, e.path), e.mode);
}

/** Builds `spec` unless an image with the same content hash already has its tag. */
export async function buildImage(spec: ImageSpec, options: { force?: boolean; log?: (line: string) => void } = {}): Promise<BuildResult> {
  const started = performance.now();
  const entries = await spec.entries();
  const hash = await contentHash(spec, entries);
  const seconds = (): number => Math.round((performance.now() - started) / 100) / 10;
  const before = await current(spec.tag);
  if (options.force !== true && before?.hash === hash) return { tag: spec.tag, built: false, hash, seconds: seconds() };
  const dir = await mkdtemp(join(tmpdir(), 'kck-image-'));
  try {
    await writeRootfs(join(dir, 'rootfs'), entries);
    await writeFile(join(dir, 'Dockerfile'), dockerfile(spec, hash));
    options.log?.(`building ${spec.tag} (${entries.length} entries)`);
    await docker(['build', '-q', '--force-rm', '-t', spec.tag, dir], { timeoutMs: 900_000 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // The image the tag named before is now untagged: every source change would leave one more
  // behind. One a container still uses stays (docker refuses); `kck clean` takes it later.
  const after = await current(spec.tag);
  if (before !== undefined && before.id !== after?.id) await docker(['image', 'rm', before.id]).catch(() => undefined);
  return { tag: spec.tag, built: true, hash, seconds: seconds() };
}
