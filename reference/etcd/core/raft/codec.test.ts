/* eslint-disable no-restricted-imports -- a test of the pure core runs under node:test; the core itself stays pure */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeConfChange, decodeHardState, decodeMessage, encodeConfChange, encodeHardState, encodeMessage } from './codec.ts';
import type { Entry, Message, MessageType } from './types.ts';

const id = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const num = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const bytes = fc.uint8Array({ maxLength: 64 });
const entry: fc.Arbitrary<Entry> = fc.record({ term: num, index: num, type: fc.constantFrom('normal' as const, 'conf-change' as const), data: bytes });
const types: MessageType[] = ['app', 'app-resp', 'vote', 'pre-vote-resp', 'heartbeat', 'snap', 'read-index', 'timeout-now', 'prop'];

const msg: fc.Arbitrary<Message> = fc.record({
  type: fc.constantFrom(...types), from: id, to: id, term: num, logTerm: num, index: num, commit: num,
  reject: fc.boolean(), rejectHint: num, context: fc.string(), entries: fc.array(entry, { maxLength: 4 }),
  snapshot: fc.option(fc.record({
    meta: fc.record({ index: num, term: num, members: fc.array(fc.record({ id, peerUrl: fc.string() }), { maxLength: 3 }) }),
    data: bytes,
  }), { nil: undefined }),
}).map((m): Message => {
  // Plain objects (fast-check records have a null prototype) so deepEqual compares values.
  const { snapshot, ...rest } = m;
  const out: Message = { ...rest, entries: m.entries.map((e) => ({ ...e })) };
  if (snapshot !== undefined) {
    out.snapshot = { data: snapshot.data, meta: { ...snapshot.meta, members: snapshot.meta.members.map((x) => ({ ...x })) } };
  }
  return out;
});

test('codec: messages, hard states and conf changes survive a round trip', () => {
  fc.assert(fc.property(msg, (m) => assert.deepEqual(decodeMessage(encodeMessage(m)), m)));
  fc.assert(fc.property(num, id, num, (term, vote, commit) => assert.deepEqual(decodeHardState(encodeHardState({ term, vote, commit })), { term, vote, commit })));
  fc.assert(fc.property(fc.constantFrom('add' as const, 'remove' as const), id, fc.string(), (type, nodeId, peerUrl) => {
    assert.deepEqual(decodeConfChange(encodeConfChange({ type, nodeId, peerUrl })), { type, nodeId, peerUrl });
  }));
});

test('codec: truncated input is an error, not garbage', () => {
  const buf = encodeMessage({ type: 'app', from: 1n, to: 2n, term: 3, logTerm: 2, index: 5, commit: 4, reject: false, rejectHint: 0, context: '', entries: [{ term: 3, index: 6, type: 'normal', data: new Uint8Array([1, 2, 3]) }] });
  assert.throws(() => decodeMessage(buf.subarray(0, buf.length - 2)), /truncated/);
});
