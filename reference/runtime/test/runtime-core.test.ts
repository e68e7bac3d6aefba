import assert from 'node:assert/strict';
import { test } from 'node:test';
import { criLogLine, parseCriLogLine, splitLines } from '../core/cri-log.ts';
import { policyFor } from '../core/handler-policy.ts';
import { exitOutcome, filterContainers, idFromBytes } from '../core/runtime-model.ts';
import type { ContainerRecord } from '../core/runtime-model.ts';

void test('CRI log lines: full and partial, parsed back', () => {
  const line = criLogLine('2026-01-01T00:00:00.000000000Z', 'stdout', 'hello world');
  assert.equal(line, '2026-01-01T00:00:00.000000000Z stdout F hello world\n');
  assert.deepEqual(parseCriLogLine(line.trimEnd()), { timestamp: '2026-01-01T00:00:00.000000000Z', stream: 'stdout', partial: false, content: 'hello world' });
  assert.equal(parseCriLogLine(criLogLine('t', 'stderr', 'x', true).trimEnd())?.partial, true);
});

void test('chunks split into lines, keeping the unterminated rest', () => {
  assert.deepEqual(splitLines('', 'a\nb'), { lines: ['a'], rest: 'b' });
  assert.deepEqual(splitLines('b', 'c\n'), { lines: ['bc'], rest: '' });
});

void test('runtime handlers: default, sandboxed, unknown, and no host network when sandboxed', () => {
  assert.equal(policyFor('', false).ok, true);
  const sandboxed = policyFor('sandboxed', false);
  assert.ok(sandboxed.ok && sandboxed.policy.uid === 65534);
  assert.deepEqual(policyFor('kata-qemu', false), { ok: false, message: 'no runtime for "kata-qemu" is configured' });
  assert.equal(policyFor('sandboxed', true).ok, false);
});

void test('exit outcomes: codes, signals as 128+n, reasons', () => {
  assert.deepEqual(exitOutcome(0, null), { exitCode: 0, reason: 'Completed' });
  assert.deepEqual(exitOutcome(3, null), { exitCode: 3, reason: 'Error' });
  assert.deepEqual(exitOutcome(null, 9), { exitCode: 137, reason: 'Error' });
  assert.deepEqual(exitOutcome(null, 15), { exitCode: 143, reason: 'Error' });
});

void test('container filters: empty matches all; sandbox, state and labels narrow', () => {
  const c = (id: string, sandboxId: string, state: ContainerRecord['state'], labels: Record<string, string>): ContainerRecord => ({
    id, sandboxId, metadata: { name: id, attempt: 0 }, image: '', imageRef: '', state, createdAt: 0, startedAt: 0, finishedAt: 0,
    exitCode: 0, reason: '', message: '', labels, annotations: {}, logPath: '',
  });
  const all = [c('a1', 's1', 'CONTAINER_RUNNING', { app: 'x' }), c('a2', 's2', 'CONTAINER_EXITED', { app: 'y' })];
  assert.equal(filterContainers(all, undefined).length, 2);
  assert.deepEqual(filterContainers(all, { podSandboxId: 's2' }).map((x) => x.id), ['a2']);
  assert.deepEqual(filterContainers(all, { state: { state: 'CONTAINER_RUNNING' } }).map((x) => x.id), ['a1']);
  assert.deepEqual(filterContainers(all, { labelSelector: { app: 'y' } }).map((x) => x.id), ['a2']);
});

void test('ids are 64 hex characters', () => {
  assert.match(idFromBytes(new Uint8Array(32).fill(171)), /^(ab){32}$/);
});
