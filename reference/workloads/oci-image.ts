/**
 * Writes the catalogue as an OCI image layout archive (oci-layout, index.json, blobs) that
 * `ctr -n k8s.io images import` accepts: no docker, no registry. The layer is an uncompressed
 * tar, so its digest is also its diff_id.
 */
import { createHash } from 'node:crypto';
import { imageFiles } from './image-files.ts';
import type { CatalogueImage } from './catalogue.ts';
import { CATALOGUE } from './catalogue.ts';
import { writeTar } from './tar-writer.ts';
import type { TarEntry } from './tar-writer.ts';

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

interface Blob { digest: string; data: Buffer }

function blob(data: Buffer): Blob {
  return { digest: sha256(data), data };
}

function imageConfig(image: CatalogueImage, layerDigest: string): unknown {
  return {
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: image.entrypoint, Cmd: image.cmd, Env: ['PATH=/bin'], WorkingDir: '/', Labels: { 'io.kck.image': image.name } },
    rootfs: { type: 'layers', diff_ids: [layerDigest] },
    history: [{ created_by: 'kube-conformance-kit reference/workloads', created: '1970-01-01T00:00:00Z' }],
  };
}

/** The workload layer (shared by every catalogue image). */
export function workloadLayer(busyboxPath?: string): Buffer {
  return writeTar(imageFiles(busyboxPath));
}

/** Returns the archive bytes holding every image of `images` (default: the whole catalogue). */
export function buildOciArchive(images: readonly CatalogueImage[] = CATALOGUE, busyboxPath?: string): Buffer {
  const layer = blob(workloadLayer(busyboxPath));
  const blobs = new Map<string, Buffer>([[layer.digest, layer.data]]);
  const manifests: unknown[] = [];
  for (const image of images) {
    const config = blob(Buffer.from(JSON.stringify(imageConfig(image, layer.digest))));
    const manifest = blob(Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.data.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.data.length }],
    })));
    blobs.set(config.digest, config.data);
    blobs.set(manifest.digest, manifest.data);
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: manifest.digest,
      size: manifest.data.length,
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: {
        'io.containerd.image.name': image.fullName,
        'org.opencontainers.image.ref.name': image.fullName.slice(image.fullName.lastIndexOf(':') + 1),
      },
    });
  }
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  const entries: TarEntry[] = [
    { kind: 'file', path: 'oci-layout', mode: 0o644, content: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { kind: 'file', path: 'index.json', mode: 0o644, content: Buffer.from(JSON.stringify(index)) },
    { kind: 'dir', path: 'blobs', mode: 0o755 },
    { kind: 'dir', path: 'blobs/sha256', mode: 0o755 },
    ...[...blobs].map(([digest, data]): TarEntry => ({ kind: 'file', path: `blobs/sha256/${digest.slice(7)}`, mode: 0o644, content: data })),
  ];
  return writeTar(entries);
}

/** Image id (config digest) and size of each catalogue image, as containerd reports them after import. */
export function catalogueImageIds(images: readonly CatalogueImage[] = CATALOGUE, busyboxPath?: string): Map<string, { id: string; size: number }> {
  const layer = workloadLayer(busyboxPath);
  const layerDigest = sha256(layer);
  const out = new Map<string, { id: string; size: number }>();
  for (const image of images) {
    const config = Buffer.from(JSON.stringify(imageConfig(image, layerDigest)));
    out.set(image.name, { id: sha256(config), size: layer.length + config.length });
  }
  return out;
}
