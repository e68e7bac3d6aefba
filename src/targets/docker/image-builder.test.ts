import assert from 'node:assert/strict';
import { test } from 'node:test';
import { docker, OWNED, removeOwned } from './docker-cli.ts';
import { buildImage, type ImageSpec } from './image-builder.ts';
import { nodeModulesClosure } from './node-modules-closure.ts';
import { REPO_ROOT, workloadImage } from './kit-images.ts';
import { dockerSkipReason } from './testing/docker-skip-reason.ts';

const noDocker = await dockerSkipReason();

test('the run-time node_modules closure has grpc and tsx, and no test runner', () => {
  const closure = nodeModulesClosure(REPO_ROOT, ['@grpc/grpc-js', 'tsx']);
  assert.ok(closure.includes('node_modules/@grpc/grpc-js'));
  assert.ok(closure.includes('node_modules/esbuild'), 'tsx needs esbuild');
  assert.ok(!closure.some((p) => p.includes('@cucumber/cucumber')));
});

test('an image is built once, then kept while its content is unchanged', { skip: noDocker, timeout: 300_000 }, async () => {
  const tag = `kck/test-probe:${process.pid}`;
  const files = await workloadImage.entries();
  const spec = (marker: string): ImageSpec => ({
    tag,
    entries: () => Promise.resolve([...files, { kind: 'content', path: 'marker', mode: 0o644, content: Buffer.from(marker) }]),
    entrypoint: ['/bin/busybox'],
    cmd: ['cat', '/marker'],
  });
  try {
    const first = await buildImage(spec('one'), { force: true });
    assert.equal(first.built, true);
    const again = await buildImage(spec('one'));
    assert.equal(again.built, false, 'unchanged content is not rebuilt');
    assert.equal(again.hash, first.hash);
    const firstId = (await docker(['image', 'inspect', '--format', '{{ .Id }}', tag])).trim();
    const changed = await buildImage(spec('two'));
    assert.equal(changed.built, true, 'changed content is rebuilt');
    await assert.rejects(docker(['image', 'inspect', firstId]), 'the image the tag named before is removed, not left untagged');
    const out = await docker(['run', '--rm', '--label', OWNED, tag]);
    assert.equal(out, 'two');
    const label = await docker(['image', 'inspect', '--format', '{{ index .Config.Labels "kck.io/owned" }}', tag]);
    assert.equal(label.trim(), 'true');
  } finally {
    await docker(['image', 'rm', '-f', tag]).catch(() => undefined);
  }
});

test('clean removes the containers, networks and volumes labelled as the kit\'s', { skip: noDocker, timeout: 120_000 }, async () => {
  const name = `kck-clean-test-${process.pid}`;
  await buildImage(workloadImage);
  // Only this test's objects: other tests' clusters may be running beside it.
  const mine = `kck.io/test=${name}`;
  await docker(['network', 'create', '--label', OWNED, '--label', mine, name]);
  await docker(['create', '--label', OWNED, '--label', mine, '--network', name, workloadImage.tag]);
  await docker(['volume', 'create', '--label', OWNED, '--label', mine, name]);
  const removed = await removeOwned(mine);
  assert.ok(removed.containers >= 1 && removed.networks >= 1 && removed.volumes >= 1, JSON.stringify(removed));
  assert.equal((await docker(['ps', '-aq', '--filter', `label=${mine}`])).trim(), '');
  assert.equal((await docker(['network', 'ls', '-q', '--filter', `label=${mine}`])).trim(), '');
  assert.equal((await docker(['volume', 'ls', '-q', '--filter', `label=${mine}`])).trim(), '');
});
