/**
 * The installed packages a set of root dependencies needs at run time, found the way Node
 * resolves them (a package's own node_modules first, then each parent's). Test-only and
 * build-only packages stay out of the image.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function resolvePackage(name: string, fromDir: string, root: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root) return undefined;
    const parent = dirname(dir);
    // Step out of "<x>/node_modules/<pkg>" (and scoped "<x>/node_modules/@s/<pkg>") to <x>.
    dir = parent.endsWith('/node_modules') ? dirname(parent) : dirname(parent).endsWith('/node_modules') ? dirname(dirname(parent)) : parent;
    if (relative(root, dir).startsWith('..')) return undefined;
  }
}

/** Package folders (relative to `root`) needed by `roots`, each listed once. */
export function nodeModulesClosure(root: string, roots: readonly string[]): string[] {
  const found = new Set<string>();
  const queue: Array<[string, string]> = roots.map((r) => [r, root]);
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const [name, from] = item;
    const dir = resolvePackage(name, from, root);
    if (dir === undefined || found.has(dir)) continue;
    found.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) queue.push([dep, dir]);
  }
  return [...found].map((d) => relative(root, d)).sort();
}
