// The MVCC store: model-based property test against a Map+revision model, plus focused cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { prefixEnd } from '../core/mvcc/key-range.ts';
import { MvccStore } from '../core/mvcc/mvcc-store.ts';
import type { KeyValue } from '../core/mvcc/types.ts';

interface Model {
  revision: number;
  compactRevision: number;
  /** State after each revision (index = revision). */
  states: Array<Map<string, KeyValue>>;
  leases: Map<number, Set<string>>;
}

const current = (m: Model): Map<string, KeyValue> => m.states[m.revision] as Map<string, KeyValue>;

function commit(m: Model, next: Map<string, KeyValue>): void {
  m.revision += 1;
  m.states[m.revision] = next;
}

function modelPut(m: Model, key: string, value: string, lease: number): void {
  const next = new Map(current(m));
  const prev = next.get(key);
  const rev = m.revision + 1;
  if (prev !== undefined && prev.lease !== 0) m.leases.get(prev.lease)?.delete(key);
  if (lease !== 0) m.leases.get(lease)?.add(key);
  next.set(key, { key, value, lease, modRevision: rev, createRevision: prev?.createRevision ?? rev, version: (prev?.version ?? 0) + 1 });
  commit(m, next);
}

function modelDelete(m: Model, keys: string[]): number {
  const cur = current(m);
  const present = keys.filter((k) => cur.has(k));
  if (present.length === 0) return 0;
  const next = new Map(cur);
  for (const k of present) {
    const lease = next.get(k)?.lease ?? 0;
    if (lease !== 0) m.leases.get(lease)?.delete(k);
    next.delete(k);
  }
  commit(m, next);
  return present.length;
}

const sorted = (kvs: Iterable<KeyValue>): KeyValue[] => [...kvs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

type Cmd = fc.Command<Model, MvccStore>;
const keyArb = fc.constantFrom('a', 'ab', 'abc', 'b', 'ba', '\xff');
const valueArb = fc.constantFrom('', 'x', 'y', 'zz');

class PutCmd implements Cmd {
  constructor(readonly key: string, readonly value: string, readonly leasePick: number) {}
  check = (): boolean => true;
  run(m: Model, s: MvccStore): void {
    const ids = [...m.leases.keys()];
    const lease = this.leasePick === 0 || ids.length === 0 ? 0 : (ids[this.leasePick % ids.length] as number);
    const prev = current(m).get(this.key);
    const res = s.put(this.key, this.value, lease);
    modelPut(m, this.key, this.value, lease);
    assert.deepEqual(res.prevKv, prev);
    assert.equal(res.revision, m.revision);
  }
  toString = (): string => `put(${JSON.stringify(this.key)},${JSON.stringify(this.value)},${this.leasePick})`;
}

class DeleteCmd implements Cmd {
  constructor(readonly key: string, readonly prefix: boolean) {}
  check = (): boolean => true;
  run(m: Model, s: MvccStore): void {
    const keys = [...current(m).keys()].filter((k) => (this.prefix ? k.startsWith(this.key) : k === this.key));
    const res = this.prefix ? s.deleteRange(this.key, prefixEnd(this.key)) : s.deleteRange(this.key);
    assert.equal(res.deleted, modelDelete(m, keys));
    assert.equal(res.revision, m.revision);
  }
  toString = (): string => `delete(${JSON.stringify(this.key)},${this.prefix})`;
}

class RangeCmd implements Cmd {
  constructor(readonly key: string, readonly back: number, readonly limit: number) {}
  check = (): boolean => true;
  run(m: Model, s: MvccStore): void {
    const at = Math.max(0, m.revision - this.back);
    const request = { key: this.key, rangeEnd: prefixEnd(this.key), revision: at, limit: this.limit };
    if (at !== 0 && at < m.compactRevision) {
      assert.throws(() => s.range(request), /compacted/);
      return;
    }
    const state = m.states[at === 0 ? m.revision : at] as Map<string, KeyValue>;
    const expected = sorted([...state.values()].filter((kv) => kv.key.startsWith(this.key)));
    const res = s.range(request);
    assert.equal(res.count, expected.length);
    assert.deepEqual(res.kvs, this.limit > 0 ? expected.slice(0, this.limit) : expected);
    assert.equal(res.more, this.limit > 0 && expected.length > this.limit);
  }
  toString = (): string => `range(${JSON.stringify(this.key)},-${this.back},limit ${this.limit})`;
}

class CasCmd implements Cmd {
  constructor(readonly key: string, readonly version: number, readonly value: string) {}
  check = (): boolean => true;
  run(m: Model, s: MvccStore): void {
    const ok = (current(m).get(this.key)?.version ?? 0) === this.version;
    const res = s.txn({
      compare: [{ key: this.key, target: 'VERSION', result: 'EQUAL', value: this.version }],
      success: [{ type: 'put', key: this.key, value: this.value }, { type: 'range', request: { key: this.key } }],
      failure: [{ type: 'range', request: { key: this.key } }],
    });
    assert.equal(res.succeeded, ok);
    if (ok) modelPut(m, this.key, this.value, 0);
    const read = res.responses[ok ? 1 : 0];
    assert.deepEqual(read?.type === 'range' ? read.result.kvs : undefined, current(m).has(this.key) ? [current(m).get(this.key)] : []);
    assert.equal(res.revision, m.revision);
  }
  toString = (): string => `cas(${JSON.stringify(this.key)},v${this.version},${JSON.stringify(this.value)})`;
}

class CompactCmd implements Cmd {
  constructor(readonly back: number) {}
  check = (m: Readonly<Model>): boolean => m.revision - this.back > m.compactRevision;
  run(m: Model, s: MvccStore): void {
    const at = m.revision - this.back;
    s.compact(at);
    m.compactRevision = at;
  }
  toString = (): string => `compact(-${this.back})`;
}

class LeaseGrantCmd implements Cmd {
  constructor(readonly id: number) {}
  check = (m: Readonly<Model>): boolean => !m.leases.has(this.id);
  run(m: Model, s: MvccStore): void {
    s.leases.grant(this.id, 10, 0);
    m.leases.set(this.id, new Set());
  }
  toString = (): string => `grant(${this.id})`;
}

class LeaseRevokeCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => m.leases.size > 0;
  run(m: Model, s: MvccStore): void {
    const id = [...m.leases.keys()][this.pick % m.leases.size] as number;
    const keys = [...(m.leases.get(id) ?? [])];
    const res = s.revokeLease(id);
    m.leases.delete(id);
    assert.deepEqual(res.deleted, keys.sort());
    modelDelete(m, keys);
    assert.equal(res.revision, m.revision);
  }
  toString = (): string => `revoke(#${this.pick})`;
}

void test('MVCC store behaves like a map with a revision counter (model-based)', () => {
  const commands = [
    fc.tuple(keyArb, valueArb, fc.nat(3)).map(([k, v, l]) => new PutCmd(k, v, l)),
    fc.tuple(keyArb, fc.boolean()).map(([k, p]) => new DeleteCmd(k, p)),
    fc.tuple(fc.constantFrom('', 'a', 'ab', 'b'), fc.nat(5), fc.nat(3)).map(([k, b, l]) => new RangeCmd(k, b, l)),
    fc.tuple(keyArb, fc.nat(3), valueArb).map(([k, v, x]) => new CasCmd(k, v, x)),
    fc.nat(4).map((b) => new CompactCmd(b)),
    fc.integer({ min: 1, max: 5 }).map((id) => new LeaseGrantCmd(id)),
    fc.nat(4).map((p) => new LeaseRevokeCmd(p)),
  ];
  fc.assert(
    fc.property(fc.commands(commands, { maxCommands: 60 }), (cmds) => {
      const model: Model = { revision: 0, compactRevision: 0, states: [new Map()], leases: new Map() };
      fc.modelRun(() => ({ model, real: new MvccStore() }), cmds);
    }),
    { numRuns: 300 },
  );
});

void test('watch history: events since a revision, with prevKv, until compaction', () => {
  const s = new MvccStore();
  const seen: string[] = [];
  s.subscribe((events, rev) => seen.push(`${rev}:${events.map((e) => `${e.type} ${e.kv.key}`).join(',')}`));
  s.put('/a', '1');
  s.put('/b', '2');
  s.put('/a', '3');
  s.deleteRange('/', prefixEnd('/'));
  assert.deepEqual(seen, ['1:PUT /a', '2:PUT /b', '3:PUT /a', '4:DELETE /a,DELETE /b']);
  const events = s.eventsSince(3, '/a');
  assert.deepEqual(events.map((e) => [e.type, e.kv.modRevision, e.prevKv?.value]), [['PUT', 3, '1'], ['DELETE', 4, '3']]);
  s.compact(3);
  assert.throws(() => s.eventsSince(2, '/a'), /compacted/);
  assert.equal(s.eventsSince(3, '/a').length, 2);
  assert.throws(() => s.range({ key: '/a', revision: 2 }), /compacted/);
  assert.equal(s.range({ key: '/a', revision: 3 }).kvs[0]?.value, '3');
  assert.throws(() => s.range({ key: '/a', revision: 9 }), /future/);
});

void test('txn: value compare on a missing key fails; a put with an unknown lease changes nothing', () => {
  const s = new MvccStore();
  const res = s.txn({ compare: [{ key: 'k', target: 'VALUE', result: 'NOT_EQUAL', value: 'x' }], success: [], failure: [] });
  assert.equal(res.succeeded, false);
  assert.throws(() => s.txn({ compare: [], success: [{ type: 'put', key: 'a', value: '1' }, { type: 'put', key: 'b', value: '2', lease: 7 }], failure: [] }), /lease not found/);
  assert.equal(s.revision, 0);
  assert.equal(s.range({ key: 'a' }).count, 0);
});

void test('leases expire on the injected clock; snapshot and restore keep the whole store', () => {
  const s = new MvccStore();
  s.leases.grant(1, 5, 1000);
  s.put('k', 'v', 1);
  assert.deepEqual(s.leases.expired(5999), []);
  assert.equal(s.leases.renew(1, 3000), 5);
  assert.deepEqual(s.leases.expired(7999), []);
  assert.deepEqual(s.leases.expired(8000), [1]);
  const copy = new MvccStore();
  copy.restore(JSON.parse(JSON.stringify(s.snapshot())) as ReturnType<MvccStore['snapshot']>, 0);
  assert.deepEqual(copy.range({ key: 'k' }), s.range({ key: 'k' }));
  assert.deepEqual(copy.revokeLease(1), s.revokeLease(1));
  assert.equal(s.range({ key: 'k' }).count, 0);
});
