import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIRROR_ANNOTATION, mirrorPod, staticPod } from '../core/static-pod.ts';

void test('a static Pod is named after its node, with a uid derived from its manifest', () => {
  const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'kube-system' }, spec: { containers: [{ name: 'c', image: 'kck/workload:1' }] } };
  const a = staticPod(manifest, JSON.stringify(manifest), 'node-1');
  assert.equal(a.metadata.name, 'web-node-1');
  assert.equal(a.spec.nodeName, 'node-1');
  assert.equal(staticPod(manifest, JSON.stringify(manifest), 'node-1').metadata.uid, a.metadata.uid);
  assert.notEqual(staticPod(manifest, JSON.stringify(manifest) + ' ', 'node-1').metadata.uid, a.metadata.uid);
  const mirror = mirrorPod(a, { name: 'node-1', uid: 'n1' }) as { metadata: { annotations: Record<string, string>; uid?: string } };
  assert.ok(mirror.metadata.annotations[MIRROR_ANNOTATION]);
  assert.equal(mirror.metadata.uid, undefined);
  assert.throws(() => staticPod({ kind: 'Service' }, '', 'n'));
});
