/**
 * The kubelet's sync decision for one Pod: from the desired spec and what the runtime
 * reports, the next actions (mirrors kubelet's computePodActions). Rules:
 * - a Pod being deleted is killed (containers get the grace period, then the sandbox goes);
 * - no ready sandbox: make one (unless the Pod is finished);
 * - init containers run one at a time, in order, each to success, before any app container;
 * - app containers start together; an exited one is restarted per restartPolicy (Always:
 *   always; OnFailure: on a non-zero exit; Never: never) with crash-loop back-off;
 * - a container whose liveness probe failed is killed, and then restarted by the same rule;
 * - old attempts beyond the previous one are removed (the previous one gives lastState).
 */
import type { Backoff } from './backoff.ts';
import type { ObservedPod } from './observed-pod.ts';
import { attemptsByName } from './observed-pod.ts';
import type { ContainerSpec, PodJson, RestartPolicy } from './pod-types.ts';

export type PodAction =
  | { kind: 'runSandbox'; attempt: number }
  | { kind: 'startContainer'; container: ContainerSpec; init: boolean; attempt: number }
  | { kind: 'killContainer'; id: string; name: string; gracePeriodSeconds: number; reason: string }
  | { kind: 'removeContainer'; id: string }
  | { kind: 'killPod'; gracePeriodSeconds: number };

export interface SyncInput {
  pod: PodJson;
  observed: ObservedPod;
  now: number;
  backoff: Backoff;
  /** Containers whose liveness (or startup) probe has failed past its threshold. */
  unhealthy: ReadonlySet<string>;
}

export interface SyncResult {
  actions: PodAction[];
  /** Why a container waits, for its status (e.g. CrashLoopBackOff). */
  waiting: Record<string, { reason: string; message: string }>;
}

export function gracePeriodOf(pod: PodJson): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
}

function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** Whether the Pod has run to its end: nothing left to start or restart. */
export function podFinished(pod: PodJson, observed: ObservedPod): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  const byName = attemptsByName(observed);
  for (const ic of pod.spec.initContainers ?? []) {
    const c = byName.get(ic.name)?.latest;
    if (c?.state === 'exited' && c.exitCode !== 0 && policy === 'Never') return true;
  }
  if (policy === 'Always') return false;
  return pod.spec.containers.every((spec) => {
    const c = byName.get(spec.name)?.latest;
    return c !== undefined && c.state === 'exited' && !shouldRestart(policy, c.exitCode);
  });
}

export function computePodActions(input: SyncInput): SyncResult {
  const { pod, observed, now, backoff, unhealthy } = input;
  const actions: PodAction[] = [];
  const waiting: SyncResult['waiting'] = {};
  const policy = pod.spec.restartPolicy ?? 'Always';
  const uid = pod.metadata.uid;

  if (pod.metadata.deletionTimestamp) {
    if (observed.sandbox || observed.containers.some((c) => c.state === 'running')) actions.push({ kind: 'killPod', gracePeriodSeconds: gracePeriodOf(pod) });
    return { actions, waiting };
  }

  const byName = attemptsByName(observed);
  for (const c of observed.containers) {
    const entry = byName.get(c.name);
    if (entry && c.id !== entry.latest.id && c.id !== entry.previous?.id && c.state !== 'running') actions.push({ kind: 'removeContainer', id: c.id });
  }

  if (!observed.sandbox?.ready) {
    if (podFinished(pod, observed)) return { actions, waiting };
    if (observed.sandbox) actions.push({ kind: 'killPod', gracePeriodSeconds: 0 });
    actions.push({ kind: 'runSandbox', attempt: observed.sandbox ? observed.sandbox.attempt + 1 : 0 });
    return { actions, waiting };
  }

  const restartOrWait = (spec: ContainerSpec, init: boolean, attempt: number): void => {
    const key = `${uid}/${spec.name}`;
    const until = backoff.waitUntil(key, now);
    if (until !== undefined) {
      waiting[spec.name] = { reason: 'CrashLoopBackOff', message: `back-off ${Math.ceil((until - now) / 1000)}s restarting failed container=${spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})` };
      return;
    }
    backoff.restarted(key, now);
    actions.push({ kind: 'startContainer', container: spec, init, attempt });
  };

  for (const spec of pod.spec.initContainers ?? []) {
    const c = byName.get(spec.name)?.latest;
    if (!c) { actions.push({ kind: 'startContainer', container: spec, init: true, attempt: 0 }); return { actions, waiting }; }
    if (c.state === 'exited' && c.exitCode === 0) continue;
    if (c.state === 'exited') {
      if (policy !== 'Never') restartOrWait(spec, true, c.attempt + 1);
      return { actions, waiting };
    }
    return { actions, waiting }; // running or being created: wait for it
  }

  for (const spec of pod.spec.containers) {
    const c = byName.get(spec.name)?.latest;
    if (!c) { actions.push({ kind: 'startContainer', container: spec, init: false, attempt: 0 }); continue; }
    if (c.state === 'running' && unhealthy.has(spec.name)) {
      actions.push({ kind: 'killContainer', id: c.id, name: spec.name, gracePeriodSeconds: pod.spec.terminationGracePeriodSeconds ?? 30, reason: 'liveness probe failed' });
    } else if (c.state === 'exited' && shouldRestart(policy, c.exitCode)) {
      restartOrWait(spec, false, c.attempt + 1);
    }
  }
  return { actions, waiting };
}
