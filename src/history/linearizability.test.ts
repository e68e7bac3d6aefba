// The checker on hand-made histories (known good and known bad) and on random sequential ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Operation } from './history.ts';
import { kvRegisterModel, type RegisterInput, type RegisterOutput } from './kv-register-model.ts';
import { checkLinearizable } from './linearizability.ts';

type Op = Operation<RegisterInput, RegisterOutput>;
const w = (client: number, value: string, from: number, to: number, outcome: Op['outcome'] = 'ok'): Op => ({ client, input: { type: 'write', value }, output: {}, outcome, invokedAt: from, returnedAt: to });
const r = (client: number, value: string | null, from: number, to: number): Op => ({ client, input: { type: 'read' }, output: { value }, outcome: 'ok', invokedAt: from, returnedAt: to });
const check = (ops: Op[]): boolean => checkLinearizable(kvRegisterModel, ops).linearizable;

void test('concurrent write and reads that may see either value are linearizable', () => {
  assert.equal(check([w(1, 'a', 0, 10), r(2, 'a', 1, 2), r(3, null, 0, 3)]), true);
  assert.equal(check([w(1, 'a', 0, 10), w(2, 'b', 0, 10), r(3, 'b', 11, 12), r(4, 'b', 13, 14)]), true);
});

void test('a stale read after a completed write is not linearizable', () => {
  assert.equal(check([w(1, 'a', 0, 1), w(1, 'b', 2, 3), r(2, 'a', 4, 5)]), false);
});

void test('two readers that disagree on the order of two writes are not linearizable', () => {
  // Both writes overlap everything, but reader 3 sees a then b while reader 4 sees b then a.
  const ops = [w(1, 'a', 0, 100), w(2, 'b', 0, 100), r(3, 'a', 10, 11), r(3, 'b', 12, 13), r(4, 'b', 14, 15), r(4, 'a', 16, 17)];
  assert.equal(check(ops), false);
});

void test('a read of a value nobody wrote is not linearizable', () => {
  assert.equal(check([w(1, 'a', 0, 1), r(2, 'z', 2, 3)]), false);
});

void test('a timed-out write may take effect late, but a failed one never does', () => {
  assert.equal(check([w(1, 'a', 0, 1), w(2, 'b', 2, 3, 'info'), r(3, 'a', 4, 5), r(3, 'b', 6, 7)]), true);
  assert.equal(check([w(1, 'a', 0, 1), w(2, 'b', 2, 3, 'fail'), r(3, 'b', 6, 7)]), false);
});

void test('cas: a successful swap from a value that was not there is not linearizable', () => {
  const cas = (client: number, from: string | null, to: string, swapped: boolean, t0: number, t1: number): Op =>
    ({ client, input: { type: 'cas', from, to }, output: { swapped }, outcome: 'ok', invokedAt: t0, returnedAt: t1 });
  assert.equal(check([w(1, 'a', 0, 1), cas(2, 'a', 'b', true, 2, 3), cas(3, 'a', 'c', false, 4, 5), r(1, 'b', 6, 7)]), true);
  assert.equal(check([w(1, 'a', 0, 1), cas(2, 'x', 'b', true, 2, 3)]), false);
});

void test('every history produced by a sequential register is linearizable, and one read changed makes it not', () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.constant<RegisterInput>({ type: 'read' }), fc.constantFrom('a', 'b', 'c').map((value): RegisterInput => ({ type: 'write', value }))), { minLength: 1, maxLength: 40 }), (inputs) => {
    let state: string | null = null;
    const ops: Op[] = inputs.map((input, i) => {
      const output: RegisterOutput = input.type === 'read' ? { value: state } : {};
      if (input.type === 'write') state = input.value;
      return { client: i % 4, input, output, outcome: 'ok', invokedAt: 2 * i, returnedAt: 2 * i + 1 };
    });
    assert.equal(check(ops), true);
    const readIndex = ops.findIndex((op) => op.input.type === 'read');
    if (readIndex >= 0) {
      const broken = ops.map((op, i) => (i === readIndex ? { ...op, output: { value: 'never-written' } } : op));
      assert.equal(check(broken), false);
    }
  }));
});
