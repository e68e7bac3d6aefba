/* eslint-disable no-restricted-imports -- a test of the pure core runs under node:test; the core itself stays pure */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RaftLog } from './raft-log.ts';
import type { Entry } from './types.ts';

const e = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array() });

function logOf(terms: number[]): RaftLog {
  const log = new RaftLog();
  log.append(terms.map((t, i) => e(i + 1, t)));
  log.stabled = log.lastIndex();
  return log;
}

test('raft log: append checks log matching and truncates only a conflicting suffix (§5.3)', () => {
  const log = logOf([1, 1, 2, 2]);
  assert.equal(log.maybeAppend(2, 2, 0, [e(3, 2)]), undefined, 'mismatch at the previous entry');
  assert.equal(log.maybeAppend(2, 1, 0, [e(3, 2), e(4, 2)]), 4, 'already present: nothing changes');
  assert.equal(log.lastIndex(), 4);
  assert.equal(log.maybeAppend(2, 1, 3, [e(3, 3)]), 3, 'a conflict truncates from there');
  assert.deepEqual(log.entries.map((x) => x.term), [1, 1, 3]);
  assert.equal(log.committed, 3, 'commit follows the leader, capped by the last new entry');
  assert.equal(log.stabled, 2, 'the replaced suffix must be persisted again');
  assert.throws(() => log.maybeAppend(1, 1, 3, [e(2, 9)]), /committed/);
});

test('raft log: conflict hints jump over whole terms', () => {
  const log = logOf([1, 1, 2, 2, 2, 4, 4]);
  assert.equal(log.findConflictByTerm(7, 3), 5, 'last entry with term <= 3');
  assert.equal(log.findConflictByTerm(7, 1), 2);
  assert.equal(log.findConflictByTerm(100, 4), 7, 'capped at the last index');
  assert.equal(log.findConflictByTerm(7, 0), 0);
});

test('raft log: up-to-date comparison (§5.4.1), commit rule of the current term, compaction', () => {
  const log = logOf([1, 2, 2]);
  assert.ok(log.isUpToDate(3, 2));
  assert.ok(log.isUpToDate(1, 3), 'a higher last term wins over a longer log');
  assert.ok(!log.isUpToDate(9, 1));
  assert.equal(log.maybeCommit(3, 3), false, 'an entry of an older term is not committed by counting');
  assert.equal(log.maybeCommit(3, 2), true);
  log.appliedTo(3);
  log.compact(2);
  assert.equal(log.firstIndex(), 3);
  assert.equal(log.term(2), 2, 'the compacted boundary keeps its term');
  assert.equal(log.term(1), undefined);
  assert.deepEqual(log.nextCommittedEntries(), []);
});
