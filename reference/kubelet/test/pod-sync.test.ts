import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../core/backoff.ts';
import type { ObservedContainer, ObservedPod } from '../core/observed-pod.ts';
import { computePodActions } from '../core/pod-sync.ts';
import { computePodStatus } from '../core/pod-status.ts';
import type { PodJson, RestartPolicy } from '../core/pod-types.ts';
import { ProbeTracker } from '../core/probe-tracker.ts';

function pod(restartPolicy: RestartPolicy = 'Always', inits: string[] = []): PodJson {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { restartPolicy, initContainers: inits.map((name) => ({ name, image: 'i' })), containers: [{ name: 'app', image: 'i' }, { name: 'side', image: 'i' }] },
  };
}
const sandbox = { id: 's', ready: true, ip: '10.0.0.2', attempt: 0 };
function c(name: string, state: ObservedContainer['state'], exitCode = 0, attempt = 0): ObservedContainer {
  return { id: `${name}-${attempt}`, name, attempt, state, exitCode, reason: '', startedAt: 1000, finishedAt: state === 'exited' ? 2000 : 0, image: 'i', imageRef: 'sha256:x' };
}
function run(p: PodJson, observed: ObservedPod, backoff = new Backoff(), now = 0, unhealthy = new Set<string>()): ReturnType<typeof computePodActions> {
  return computePodActions({ pod: p, observed, now, backoff, unhealthy });
}
const kinds = (r: ReturnType<typeof computePodActions>): string[] => r.actions.map((a) => (a.kind === 'startContainer' ? `start ${a.container.name}#${a.attempt}` : a.kind));

void test('no sandbox: make one first', () => {
  assert.deepEqual(kinds(run(pod(), { sandbox: undefined, containers: [] })), ['runSandbox']);
});

void test('init containers run one at a time, in order, before app containers', () => {
  const p = pod('Always', ['first', 'second']);
  assert.deepEqual(kinds(run(p, { sandbox, containers: [] })), ['start first#0']);
  assert.deepEqual(kinds(run(p, { sandbox, containers: [c('first', 'running')] })), []);
  assert.deepEqual(kinds(run(p, { sandbox, containers: [c('first', 'exited', 0)] })), ['start second#0']);
  assert.deepEqual(kinds(run(p, { sandbox, containers: [c('first', 'exited', 0), c('second', 'exited', 0)] })), ['start app#0', 'start side#0']);
});

void test('restartPolicy decides restarts: Always, OnFailure, Never', () => {
  const exitedOk = { sandbox, containers: [c('app', 'exited', 0), c('side', 'running')] };
  const exitedBad = { sandbox, containers: [c('app', 'exited', 2), c('side', 'running')] };
  assert.deepEqual(kinds(run(pod('Always'), exitedOk)), ['start app#1']);
  assert.deepEqual(kinds(run(pod('OnFailure'), exitedOk)), []);
  assert.deepEqual(kinds(run(pod('OnFailure'), exitedBad)), ['start app#1']);
  assert.deepEqual(kinds(run(pod('Never'), exitedBad)), []);
});

void test('crash-loop back-off: first restart at once, then 10 s, then 20 s', () => {
  const backoff = new Backoff();
  const p = pod('Always');
  const observed = (attempt: number): ObservedPod => ({ sandbox, containers: [c('app', 'exited', 1, attempt), c('side', 'running')] });
  assert.deepEqual(kinds(run(p, observed(0), backoff, 0)), ['start app#1']);
  const waiting = run(p, observed(1), backoff, 5_000);
  assert.deepEqual(kinds(waiting), []);
  assert.equal(waiting.waiting['app']?.reason, 'CrashLoopBackOff');
  assert.deepEqual(kinds(run(p, observed(1), backoff, 10_000)), ['start app#2']);
  assert.deepEqual(kinds(run(p, observed(2), backoff, 29_000)), []);
  assert.deepEqual(kinds(run(p, observed(2), backoff, 30_000)), ['start app#3']);
});

void test('a failed liveness probe kills the container; deletion kills the pod with its grace period', () => {
  const observed = { sandbox, containers: [c('app', 'running'), c('side', 'running')] };
  assert.deepEqual(kinds(run(pod(), observed, new Backoff(), 0, new Set(['app']))), ['killContainer']);
  const deleting = pod();
  deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  deleting.metadata.deletionGracePeriodSeconds = 7;
  assert.deepEqual(run(deleting, observed).actions, [{ kind: 'killPod', gracePeriodSeconds: 7 }]);
});

void test('status: phases, conditions, restart counts and readiness', () => {
  const base = { waiting: {}, ready: () => undefined, started: () => undefined, hostIP: '127.0.0.1', podIP: '', startTime: 't0', runtimeScheme: 'kck', iso: (ms: number) => `t${ms}` };
  const pending = computePodStatus({ ...base, pod: pod(), observed: { sandbox: undefined, containers: [] } });
  assert.equal(pending.phase, 'Pending');
  const running = computePodStatus({ ...base, pod: pod(), observed: { sandbox, containers: [c('app', 'running', 0, 2), c('app', 'exited', 1, 1), c('side', 'running')] } });
  assert.equal(running.phase, 'Running');
  assert.equal(running.podIP, '10.0.0.2');
  assert.equal(running.containerStatuses[0]?.restartCount, 2);
  assert.equal(running.containerStatuses[0]?.lastState.terminated?.exitCode, 1);
  assert.deepEqual(running.conditions.map((x) => `${x.type}=${x.status}`), ['PodScheduled=True', 'Initialized=True', 'ContainersReady=True', 'Ready=True']);
  const withProbe = pod();
  withProbe.spec.containers[0]!.readinessProbe = { exec: { command: ['true'] } };
  const notReady = computePodStatus({ ...base, pod: withProbe, observed: { sandbox, containers: [c('app', 'running'), c('side', 'running')] } });
  assert.equal(notReady.conditions.find((x) => x.type === 'Ready')?.status, 'False');
  const done = computePodStatus({ ...base, pod: pod('Never'), observed: { sandbox, containers: [c('app', 'exited', 0), c('side', 'exited', 0)] } });
  assert.equal(done.phase, 'Succeeded');
  const failed = computePodStatus({ ...base, pod: pod('Never'), observed: { sandbox, containers: [c('app', 'exited', 3), c('side', 'exited', 0)] } });
  assert.equal(failed.phase, 'Failed');
  assert.equal(failed.containerStatuses[0]?.state.terminated?.exitCode, 3);
});

void test('probe thresholds: readiness needs successThreshold, liveness fails after failureThreshold', () => {
  const t = new ProbeTracker();
  const probe = { successThreshold: 2, failureThreshold: 2 };
  assert.equal(t.record('a', 'readiness', probe, true), false);
  assert.equal(t.record('a', 'readiness', probe, true), true);
  assert.equal(t.record('a', 'readiness', probe, false), true);
  assert.equal(t.record('a', 'readiness', probe, false), false);
  assert.equal(t.record('a', 'liveness', probe, false), true);
  assert.equal(t.record('a', 'liveness', probe, false), false);
  t.reset('a');
  assert.equal(t.state('a', 'liveness'), undefined);
});
