import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { normalizeImageRef } from './catalogue.ts';
import { buildOciArchive, catalogueImageIds } from './oci-image.ts';

void test('the OCI archive is a tar that GNU tar reads, with a layout, an index and blobs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kck-oci-'));
  try {
    writeFileSync(join(dir, 'images.tar'), buildOciArchive());
    const names = execFileSync('tar', ['-tf', join(dir, 'images.tar')], { encoding: 'utf8' }).split('\n');
    assert.ok(names.includes('oci-layout') && names.includes('index.json'));
    execFileSync('tar', ['-xf', join(dir, 'images.tar'), '-C', dir]);
    const index = JSON.parse(execFileSync('cat', [join(dir, 'index.json')], { encoding: 'utf8' })) as { manifests: Array<{ annotations: Record<string, string> }> };
    assert.deepEqual(index.manifests.map((m) => m.annotations['io.containerd.image.name']).sort(), ['docker.io/kck/pause:1', 'docker.io/kck/workload:1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('the archive is reproducible and image ids are config digests', () => {
  assert.ok(buildOciArchive().equals(buildOciArchive()));
  const ids = catalogueImageIds();
  assert.match(ids.get('kck/workload:1')?.id ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(ids.get('kck/workload:1')?.id, ids.get('kck/pause:1')?.id);
});

void test('image references normalize like CRI runtimes do', () => {
  assert.equal(normalizeImageRef('kck/workload:1'), 'docker.io/kck/workload:1');
  assert.equal(normalizeImageRef('docker.io/kck/workload:1'), 'docker.io/kck/workload:1');
  assert.equal(normalizeImageRef('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeImageRef('localhost:5000/x'), 'localhost:5000/x:latest');
});
