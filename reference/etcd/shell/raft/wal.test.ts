import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Entry } from '../../core/raft/types.ts';
import { SnapshotStore } from './snapshot-store.ts';
import { Wal } from './wal.ts';

const entry = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, type: 'normal', data: new TextEncoder().encode(text) });

test('wal: entries and hard state survive reopen; later records overwrite a conflicting suffix', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-wal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const members = [{ id: 1n, peerUrl: 'http://127.0.0.1:1' }];
  const wal = await Wal.create(dir, { nodeId: 1n, members });
  await wal.save({ term: 1, vote: 1n, commit: 0 }, [entry(1, 1), entry(2, 1), entry(3, 1)], true);
  await wal.save({ term: 2, vote: 2n, commit: 1 }, [entry(2, 2, 'x2'), entry(3, 2, 'x3')], true);
  await wal.close();
  const { wal: again, contents } = await Wal.open(dir);
  await again.close();
  assert.deepEqual(contents.metadata, { nodeId: 1n, members });
  assert.deepEqual(contents.hardState, { term: 2, vote: 2n, commit: 1 });
  assert.deepEqual(contents.entries.map((e) => [e.index, e.term]), [[1, 1], [2, 2], [3, 2]]);
});

test('wal: a torn record at the tail is dropped, the rest is kept', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-wal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const wal = await Wal.create(dir, { nodeId: 7n, members: [] });
  await wal.save({ term: 1, vote: 0n, commit: 0 }, [entry(1, 1)], true);
  await wal.close();
  const [seg] = (await readdir(dir)).filter((f) => f.endsWith('.wal'));
  await appendFile(join(dir, seg ?? ''), Buffer.from([200, 0, 0, 0, 1, 2, 3]));
  const { wal: w2, contents } = await Wal.open(dir);
  assert.deepEqual(contents.entries.map((e) => e.index), [1]);
  await w2.save(undefined, [entry(2, 1)], true);
  await w2.close();
  const { wal: w3, contents: c3 } = await Wal.open(dir);
  await w3.close();
  assert.deepEqual(c3.entries.map((e) => e.index), [1, 2], 'appends after a repaired tail are readable');
});

test('wal: cutting after a snapshot keeps the entries after it and drops old segments', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-wal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const wal = await Wal.create(dir, { nodeId: 1n, members: [] });
  await wal.save({ term: 1, vote: 1n, commit: 4 }, [1, 2, 3, 4, 5].map((i) => entry(i, 1)), true);
  await wal.cut({ index: 3, term: 1 }, { term: 1, vote: 1n, commit: 4 }, [4, 5].map((i) => entry(i, 1)));
  await wal.save(undefined, [entry(6, 1)], true);
  await wal.close();
  assert.equal((await readdir(dir)).filter((f) => f.endsWith('.wal')).length, 1);
  const { wal: w2, contents } = await Wal.open(dir);
  await w2.close();
  assert.deepEqual(contents.snapshot, { index: 3, term: 1 });
  assert.deepEqual(contents.entries.map((e) => e.index), [4, 5, 6]);
});

test('snapshot store: the newest intact snapshot wins', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kck-snap-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new SnapshotStore(dir);
  assert.equal(await store.loadNewest(), undefined);
  for (const index of [10, 20, 30]) await store.save({ meta: { index, term: 2, members: [{ id: 1n, peerUrl: 'u' }] }, data: new Uint8Array([index]) });
  const got = await store.loadNewest();
  assert.equal(got?.meta.index, 30);
  assert.deepEqual([...(got?.data ?? [])], [30]);
  assert.equal((await readdir(dir)).length, 2, 'older snapshots are pruned');
});
