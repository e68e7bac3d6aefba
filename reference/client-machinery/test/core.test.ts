import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { backoffDelay } from '../core/backoff.ts';
import { ObjectCache } from '../core/cache.ts';
import { Expectations } from '../core/expectations.ts';
import { selectorMatches, selectorToString } from '../core/label-selector.ts';
import { decideLease } from '../core/lease-decision.ts';
import { milliCpu, parseQuantity, wholeUnits } from '../core/quantity.ts';
import { Flags, parseDuration } from '../shell/flags.ts';

void test('quantities', () => {
  assert.equal(milliCpu('100m'), 100);
  assert.equal(milliCpu('1.5'), 1500);
  assert.equal(milliCpu(2), 2000);
  assert.equal(wholeUnits('128Mi'), 128 * 2 ** 20);
  assert.equal(wholeUnits('1G'), 1e9);
  assert.equal(parseQuantity('2e3'), 2000);
  assert.throws(() => parseQuantity('12 apples'));
});

void test('label selectors', () => {
  const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' as const }] };
  assert.ok(selectorMatches(sel, { app: 'web', tier: 'a' }));
  assert.ok(!selectorMatches(sel, { app: 'web', tier: 'c' }));
  assert.ok(!selectorMatches(sel, { app: 'web', tier: 'a', x: '1' }));
  assert.ok(selectorMatches({}, {}));
  assert.equal(selectorToString(sel), 'app=web,tier in (a,b),!x');
});

void test('backoff doubles up to the cap', () => {
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, { baseMs: 5, maxMs: 30 })), [5, 10, 20, 30]);
  assert.equal(backoffDelay(0), 0);
  assert.equal(backoffDelay(10_000, { baseMs: 5, maxMs: 1000 }), 1000);
});

void test('expectations hold a key until its writes are observed or expire', () => {
  const e = new Expectations(1000);
  assert.ok(e.satisfied('rs', 0));
  e.expectCreations('rs', 2, 0);
  assert.ok(!e.satisfied('rs', 10));
  e.creationObserved('rs');
  assert.ok(!e.satisfied('rs', 10));
  e.creationFailed('rs');
  assert.ok(e.satisfied('rs', 10));
  e.expectDeletions('rs', ['u1'], 20);
  assert.ok(!e.satisfied('rs', 30));
  assert.ok(e.satisfied('rs', 1021), 'expired');
  e.deletionObserved('rs', 'u1');
  assert.ok(e.satisfied('rs', 30));
});

void test('lease decisions: create, renew, wait, take over after leaseDuration on our clock', () => {
  const base = { identity: 'a', leaseDurationSeconds: 15, now: 100_000, observedAt: 100_000 };
  const created = decideLease({ ...base, current: undefined });
  assert.equal(created.action, 'create');
  const held = { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: 'x', leaseTransitions: 3 };
  assert.deepEqual(decideLease({ ...base, current: held }), { action: 'wait', holder: 'b' });
  // Still waiting 14 s after we saw the last change; taking over after 15 s.
  assert.equal(decideLease({ ...base, current: held, now: 114_000 }).action, 'wait');
  const taken = decideLease({ ...base, current: held, now: 115_001 });
  assert.ok(taken.action === 'update' && taken.acquired && taken.spec.holderIdentity === 'a' && taken.spec.leaseTransitions === 4);
  const renewed = decideLease({ ...base, current: { ...held, holderIdentity: 'a' } });
  assert.ok(renewed.action === 'update' && !renewed.acquired && renewed.spec.leaseTransitions === 3);
  // A released lease (empty holder) is free at once.
  assert.equal(decideLease({ ...base, current: { ...held, holderIdentity: '' } }).action, 'update');
});

void test('property: a new leader never takes over while the old one may still act', () => {
  // Model: one lease, candidates act in random order at random times. A leader acts until
  // renewDeadline (9 s) after its last successful write; leaseDuration is 10 s.
  fc.assert(
    fc.property(fc.array(fc.record({ who: fc.constantFrom('a', 'b', 'c'), advance: fc.integer({ min: 0, max: 12_000 }) }), { maxLength: 80 }), (steps) => {
      let now = 0;
      let lease: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; leaseTransitions?: number } | undefined;
      const seen = new Map<string, { renew: string | undefined; at: number }>();
      const lastWrite = new Map<string, number>();
      for (const { who, advance } of steps) {
        now += advance;
        const obs = seen.get(who);
        const observedAt = obs === undefined || obs.renew !== lease?.renewTime ? now : obs.at;
        seen.set(who, { renew: lease?.renewTime, at: observedAt });
        const d = decideLease({ current: lease, identity: who, leaseDurationSeconds: 10, now, observedAt });
        if (d.action === 'wait') continue;
        if (d.action === 'create' || d.acquired) {
          for (const [other, at] of lastWrite) {
            if (other !== who) assert.ok(at + 9000 <= now, `${who} took over at ${now} while ${other} (last renewed ${at}) may still act`);
          }
        }
        lease = d.spec;
        seen.set(who, { renew: d.spec.renewTime, at: now });
        lastWrite.set(who, now);
      }
    }),
  );
});

void test('object cache: relist diff and namespace index', () => {
  const obj = (ns: string, name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, resourceVersion: rv } });
  const c = new ObjectCache();
  assert.deepEqual(c.replace([obj('a', 'p', '1'), obj('b', 'q', '1')]).map((d) => d.type), ['add', 'add']);
  assert.equal(c.list('a').length, 1);
  assert.deepEqual(c.replace([obj('a', 'p', '2')]).map((d) => `${d.type}:${d.obj.metadata.name ?? ''}`), ['update:p', 'delete:q']);
  assert.equal(c.list('b').length, 0);
  assert.equal(c.apply('DELETED', obj('a', 'p', '3'))?.type, 'delete');
  assert.equal(c.apply('DELETED', obj('a', 'p', '3')), undefined);
});

void test('flags and durations', () => {
  const f = new Flags(['--kubeconfig', '/k', '--leader-elect=false', '--v=2', '--bind']);
  assert.equal(f.string('kubeconfig'), '/k');
  assert.equal(f.bool('leader-elect', true), false);
  assert.equal(f.bool('bind', false), true);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.throws(() => parseDuration('15'));
});
