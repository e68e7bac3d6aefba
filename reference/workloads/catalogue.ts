/**
 * The kit's image catalogue: image references and their OCI config. Both images share the
 * one workload layer; they differ only in their default command. The pause image is what a
 * pod sandbox runs (its process must stay alive).
 */
export interface CatalogueImage {
  /** Short reference as the kit writes it in Pod specs. */
  readonly name: string;
  /** The name containerd gives the imported image (docker.io/ is implied for short names). */
  readonly fullName: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

export const WORKLOAD_IMAGE = 'kck/workload:1';
export const PAUSE_IMAGE = 'kck/pause:1';

export const CATALOGUE: readonly CatalogueImage[] = [
  { name: WORKLOAD_IMAGE, fullName: `docker.io/${WORKLOAD_IMAGE}`, entrypoint: ['/kck/workload'], cmd: ['pause'] },
  { name: PAUSE_IMAGE, fullName: `docker.io/${PAUSE_IMAGE}`, entrypoint: ['/kck/workload'], cmd: ['pause'] },
];

/**
 * Normalizes a reference the way CRI runtimes do: `kck/workload:1`,
 * `docker.io/kck/workload:1` and `docker.io/kck/workload:1@sha256:...` name the same image.
 */
export function normalizeImageRef(ref: string): string {
  let r = ref.split('@')[0] ?? ref;
  const firstSlash = r.indexOf('/');
  const first = firstSlash < 0 ? '' : r.slice(0, firstSlash);
  if (firstSlash < 0) r = `docker.io/library/${r}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') r = `docker.io/${r}`;
  const lastSegment = r.slice(r.lastIndexOf('/') + 1);
  if (!lastSegment.includes(':')) r = `${r}:latest`;
  return r;
}

export function findCatalogueImage(ref: string): CatalogueImage | undefined {
  const wanted = normalizeImageRef(ref);
  return CATALOGUE.find((i) => normalizeImageRef(i.name) === wanted);
}
