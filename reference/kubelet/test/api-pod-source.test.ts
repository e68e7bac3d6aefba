/**
 * The kubelet's view of its Pods from the API outlives an apiserver outage (S3.4): a Pod
 * bound to the node after the server came back is seen, however many retries it took.
 * (The source used to give up after two failed relists.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { eventually } from '../../../src/world/eventually.ts';
import { OutageApi } from '../../client-machinery/testing/outage-api.ts';
import { ApiPodSource } from '../shell/api-pod-source.ts';

const pod = (name: string, nodeName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'kck/workload' }] },
});

const WAIT = { timeoutMs: 20_000 };

void test('the API Pod source sees Pods bound to its node after an apiserver outage', async () => {
  const api = new OutageApi();
  await api.create(pod('before', 'node-1'));
  await api.create(pod('elsewhere', 'node-2'));
  let changes = 0;
  const source = new ApiPodSource(api, 'node-1', () => changes++, () => undefined);
  await source.start();
  try {
    assert.deepEqual([...source.pods.values()].map((p) => p.metadata.name), ['before']);
    api.mode = 'down';
    await eventually('more refused retries than the old source made', () => assert.ok(api.failedCalls >= 4, `${api.failedCalls} failed calls`), WAIT);
    api.mode = 'up';
    const seen = changes;
    await api.create(pod('after', 'node-1'));
    await eventually('the Pod bound after the outage', () => assert.deepEqual([...source.pods.values()].map((p) => p.metadata.name).sort(), ['after', 'before']), WAIT);
    assert.ok(changes > seen, 'the kubelet was told');
  } finally {
    source.stop();
  }
});
