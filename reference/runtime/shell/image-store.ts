/**
 * The reference runtime's images: the kit's catalogue only (no registry). Every catalogue
 * image starts out present, as containerd has them after the kit imports its archive;
 * PullImage of a catalogue image brings a removed one back, anything else is NotFound.
 * All catalogue images share one root filesystem, materialized once under --root.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE, findCatalogueImage } from '../../workloads/catalogue.ts';
import type { CatalogueImage } from '../../workloads/catalogue.ts';
import { catalogueImageIds } from '../../workloads/oci-image.ts';
import { materializeRootfs } from '../../workloads/rootfs.ts';

const DEVICES: ReadonlyArray<[string, number, number]> = [['null', 1, 3], ['zero', 1, 5], ['random', 1, 8], ['urandom', 1, 9]];

function makeDeviceNodes(dev: string): void {
  for (const [name, major, minor] of DEVICES) {
    if (existsSync(join(dev, name))) continue;
    execFileSync('mknod', ['-m', '666', join(dev, name), 'c', String(major), String(minor)]);
  }
}

export interface StoredImage { id: string; repoTags: string[]; size: number; image: CatalogueImage }

export class ImageStore {
  readonly rootfs: string;
  private readonly ids: Map<string, { id: string; size: number }>;
  private readonly present = new Set<string>();

  constructor(root: string, privileged: boolean) {
    this.rootfs = join(root, 'rootfs');
    materializeRootfs(this.rootfs);
    // Chrooted shells need /dev/null (ash redirects background jobs' stdin from it).
    if (privileged) makeDeviceNodes(join(this.rootfs, 'dev'));
    this.ids = catalogueImageIds();
    for (const image of CATALOGUE) this.present.add(image.name);
  }

  private stored(image: CatalogueImage): StoredImage {
    const info = this.ids.get(image.name) ?? { id: '', size: 0 };
    return { id: info.id, size: info.size, repoTags: [image.fullName], image };
  }

  /** By reference (short or full name) or by id. */
  find(refOrId: string): StoredImage | undefined {
    const byName = findCatalogueImage(refOrId);
    const image = byName ?? CATALOGUE.find((i) => this.ids.get(i.name)?.id === refOrId || this.ids.get(i.name)?.id === `sha256:${refOrId}`);
    return image && this.present.has(image.name) ? this.stored(image) : undefined;
  }

  list(): StoredImage[] {
    return CATALOGUE.filter((i) => this.present.has(i.name)).map((i) => this.stored(i));
  }

  pull(ref: string): StoredImage | undefined {
    const image = findCatalogueImage(ref);
    if (!image) return undefined;
    this.present.add(image.name);
    return this.stored(image);
  }

  remove(refOrId: string): void {
    const found = this.find(refOrId);
    if (found) this.present.delete(found.image.name);
  }
}
