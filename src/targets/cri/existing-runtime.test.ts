import assert from 'node:assert/strict';
import { test } from 'node:test';
import { criRuntimeFactory } from './cri-runtime-factory.ts';
import { ReferenceCriRuntime } from './reference-runtime.ts';

void test('KCK_CRI=unix:///path connects to a runtime that is already running', async () => {
  const running = await new ReferenceCriRuntime().start();
  try {
    const factory = criRuntimeFactory(running.cri.endpoint);
    const { cri, stop } = await factory.start();
    assert.equal((await cri.version()).runtimeApiVersion, 'v1');
    assert.ok((await cri.listImages()).some((i) => i.repoTags.includes(factory.images.workload)));
    await stop();
    assert.equal((await running.cri.version()).runtimeApiVersion, 'v1', 'stop() leaves the runtime running');
  } finally {
    await running.stop();
  }
  assert.throws(() => criRuntimeFactory('cri-o'), /KCK_CRI must be/);
});
