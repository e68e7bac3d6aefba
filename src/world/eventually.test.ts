import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consistently, eventually, TimeoutError } from './eventually.ts';

test('eventually returns as soon as the check passes', async () => {
  let calls = 0;
  const value = await eventually('three calls', () => {
    calls += 1;
    if (calls < 3) throw new Error(`only ${calls}`);
    return calls;
  });
  assert.equal(value, 3);
});

test('eventually times out with what it last saw', async () => {
  await assert.rejects(
    eventually('a condition that never holds', () => {
      throw new Error('phase is Pending');
    }, { timeoutMs: 200 }),
    (error: unknown) => error instanceof TimeoutError && /a condition that never holds; last saw: phase is Pending/.test(error.message),
  );
});

test('consistently fails when the condition stops holding', async () => {
  let n = 0;
  await assert.rejects(consistently('n stays small', () => {
    n += 1;
    if (n > 2) throw new Error(`n is ${n}`);
  }, 2000, 10), /n stays small stopped holding: n is 3/);
});
