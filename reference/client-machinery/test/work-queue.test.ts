import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue, runWorkers } from '../shell/work-queue.ts';

void test('work queue de-duplicates and never hands out a key twice at once', async () => {
  const q = new WorkQueue({ baseMs: 1, maxMs: 10 });
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(q.length, 2);
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a'); // re-added while processing: queued again only after done()
  const second = await q.get();
  assert.equal(second, 'b');
  assert.equal(q.length, 0);
  q.done('a');
  assert.equal(await q.get(), 'a');
  q.done('a');
  q.done('b');
  q.shutDown();
  assert.equal(await q.get(), undefined);
});

void test('runWorkers retries failures with backoff until they succeed', async () => {
  const q = new WorkQueue({ baseMs: 1, maxMs: 20 });
  let calls = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const running = runWorkers(q, 2, async (key) => {
    calls++;
    if (calls < 4) throw new Error(`fail ${key}`);
    resolveDone();
  });
  q.add('k');
  const deadline = setTimeout(() => assert.fail('not retried within 20 s'), 20_000);
  await done;
  clearTimeout(deadline);
  assert.equal(calls, 4);
  assert.equal(q.numRequeues('k'), 3);
  q.shutDown();
  await running;
});
