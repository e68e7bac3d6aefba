/**
 * The Pod status the kubelet reports (mirrors kubelet's generateAPIPodStatus): phase,
 * conditions PodScheduled / Initialized / ContainersReady / Ready, pod IPs, and a status per
 * init and app container with state, lastState, restartCount, ready and started.
 * Times come in as ISO strings from the shell's clock.
 */
import type { ObservedContainer, ObservedPod } from './observed-pod.ts';
import { attemptsByName } from './observed-pod.ts';
import { podFinished } from './pod-sync.ts';
import type { ContainerSpec, ContainerStateJson, ContainerStatusJson, PodCondition, PodJson, PodPhase, PodStatusJson } from './pod-types.ts';

export interface StatusInput {
  pod: PodJson;
  observed: ObservedPod;
  waiting: Record<string, { reason: string; message: string }>;
  /** Readiness per container (undefined: no result yet). */
  ready: (container: string) => boolean | undefined;
  /** Startup probe passed per container (undefined: no result yet). */
  started: (container: string) => boolean | undefined;
  hostIP: string;
  /** The last pod IP seen (kept once the sandbox stops, as the API keeps it). */
  podIP: string;
  startTime: string;
  runtimeScheme: string;
  iso: (unixMs: number) => string;
}

function terminated(c: ObservedContainer, input: StatusInput): ContainerStateJson {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.startedAt ? { startedAt: input.iso(c.startedAt) } : {}),
      ...(c.finishedAt ? { finishedAt: input.iso(c.finishedAt) } : {}),
      containerID: `${input.runtimeScheme}://${c.id}`,
    },
  };
}

function containerStatus(spec: ContainerSpec, init: boolean, blockedReason: string, input: StatusInput): ContainerStatusJson {
  const entry = attemptsByName(input.observed).get(spec.name);
  const c = entry?.latest;
  const prev = entry?.previous;
  const waiting = input.waiting[spec.name];
  let state: ContainerStateJson;
  let lastState: ContainerStateJson = prev?.state === 'exited' ? terminated(prev, input) : {};
  if (!c) state = { waiting: waiting ?? { reason: blockedReason } };
  else if (c.state === 'running') state = { running: { startedAt: input.iso(c.startedAt) } };
  else if (c.state === 'exited' && waiting) { state = { waiting }; lastState = terminated(c, input); }
  else if (c.state === 'exited') state = terminated(c, input);
  else state = { waiting: { reason: 'ContainerCreating' } };
  const running = c?.state === 'running';
  const started = running && (spec.startupProbe ? input.started(spec.name) === true : true);
  const ready = init
    ? c?.state === 'exited' && c.exitCode === 0
    : running && started && (spec.readinessProbe ? input.ready(spec.name) === true : true);
  return {
    name: spec.name,
    state,
    lastState,
    ready,
    started: init ? false : started,
    restartCount: c?.attempt ?? 0,
    image: spec.image,
    imageID: c?.imageRef ?? '',
    ...(c ? { containerID: `${input.runtimeScheme}://${c.id}` } : {}),
  };
}

function condition(type: string, ok: boolean, transition: string, reason?: string): PodCondition {
  return { type, status: ok ? 'True' : 'False', lastTransitionTime: transition, lastProbeTime: null, ...(reason && !ok ? { reason } : {}) };
}

export function computePodStatus(input: StatusInput): PodStatusJson {
  const { pod, observed } = input;
  const policy = pod.spec.restartPolicy ?? 'Always';
  const byName = attemptsByName(observed);
  const inits = pod.spec.initContainers ?? [];
  const initDone = inits.every((s) => { const c = byName.get(s.name)?.latest; return c?.state === 'exited' && c.exitCode === 0; });
  const initFailed = inits.some((s) => { const c = byName.get(s.name)?.latest; return c?.state === 'exited' && c.exitCode !== 0; });
  const initStatuses = inits.map((s) => containerStatus(s, true, 'PodInitializing', input));
  const statuses = pod.spec.containers.map((s) => containerStatus(s, false, initDone ? 'ContainerCreating' : 'PodInitializing', input));

  let phase: PodPhase;
  const finished = podFinished(pod, observed);
  if (finished) {
    const allOk = !initFailed && pod.spec.containers.every((s) => byName.get(s.name)?.latest.exitCode === 0);
    phase = allOk ? 'Succeeded' : 'Failed';
  } else if (!observed.sandbox?.ready || !initDone || pod.spec.containers.some((s) => !byName.has(s.name))) {
    phase = 'Pending';
  } else {
    phase = 'Running';
    void policy;
  }
  const containersReady = phase === 'Running' && statuses.every((s) => s.ready);
  const t = input.startTime;
  const completed = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
  const conditions: PodCondition[] = [
    condition('PodScheduled', true, t),
    condition('Initialized', initDone, t, 'ContainersNotInitialized'),
    condition('ContainersReady', containersReady, t, completed),
    condition('Ready', containersReady, t, completed),
  ];
  const ip = observed.sandbox?.ready && observed.sandbox.ip ? observed.sandbox.ip : input.podIP;
  const status: PodStatusJson = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: input.startTime,
    containerStatuses: statuses,
    qosClass: 'BestEffort',
  };
  if (inits.length > 0) status.initContainerStatuses = initStatuses;
  if (ip) { status.podIP = ip; status.podIPs = [{ ip }]; }
  return status;
}

/** Keeps lastTransitionTime of conditions whose status did not change (the API's convention). */
export function keepTransitionTimes(next: PodCondition[], previous: PodCondition[] | undefined): PodCondition[] {
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    return old && old.status === c.status && old.lastTransitionTime ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
  });
}
