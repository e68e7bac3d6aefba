/**
 * Runs liveness, readiness and startup probes of running containers on their periods:
 * exec through CRI ExecSync, HTTP GET and TCP connect to the Pod IP from the node (as the
 * kubelet does). Results feed the ProbeTracker; the sync loop reads its decisions. A failed
 * probe is reported with what went wrong (the kubelet's Warning Unhealthy Event).
 */
import { connect } from 'node:net';
import type { Cri } from '../../../src/ports/cri.ts';
import type { ContainerSpec, PodJson, Probe } from '../core/pod-types.ts';
import { ProbeTracker } from '../core/probe-tracker.ts';
import type { ProbeKind } from '../core/probe-tracker.ts';

interface Due { next: number; inFlight: boolean }

/** A probe's outcome; `detail` says why it failed, in the words of the kubelet's Events. */
export interface ProbeOutcome { ok: boolean; detail?: string }

export type ProbeFailureListener = (pod: PodJson, container: string, kind: ProbeKind, detail: string) => void;

export class ProbeRunner {
  private readonly trackers = new Map<string, ProbeTracker>();
  private readonly due = new Map<string, Due>();

  constructor(
    private readonly cri: Cri,
    private readonly onFailure: ProbeFailureListener = () => undefined,
  ) {}

  tracker(uid: string): ProbeTracker {
    let t = this.trackers.get(uid);
    if (!t) { t = new ProbeTracker(); this.trackers.set(uid, t); }
    return t;
  }

  containerStarted(uid: string, name: string): void {
    this.tracker(uid).reset(name);
    for (const key of [...this.due.keys()]) if (key.startsWith(`${uid}/${name}/`)) this.due.delete(key);
  }

  forget(uid: string): void {
    this.trackers.delete(uid);
    for (const key of [...this.due.keys()]) if (key.startsWith(`${uid}/`)) this.due.delete(key);
  }

  /** Containers whose liveness or startup probe has failed: the sync loop kills them. */
  unhealthy(uid: string, pod: PodJson): Set<string> {
    const t = this.tracker(uid);
    return new Set(pod.spec.containers.filter((c) => t.state(c.name, 'liveness') === false || t.state(c.name, 'startup') === false).map((c) => c.name));
  }

  /** Starts the probes that are due; never waits for them. */
  tick(pod: PodJson, running: ReadonlyMap<string, { id: string; startedAt: number }>, podIP: string, now: number): void {
    const t = this.tracker(pod.metadata.uid);
    for (const spec of pod.spec.containers) {
      const c = running.get(spec.name);
      if (!c) continue;
      const startupPending = spec.startupProbe !== undefined && t.state(spec.name, 'startup') !== true;
      const kinds: Array<[ProbeKind, Probe | undefined]> = startupPending
        ? [['startup', spec.startupProbe]]
        : [['liveness', spec.livenessProbe], ['readiness', spec.readinessProbe]];
      for (const [kind, probe] of kinds) {
        if (!probe) continue;
        const key = `${pod.metadata.uid}/${spec.name}/${kind}`;
        const d = this.due.get(key) ?? { next: c.startedAt + (probe.initialDelaySeconds ?? 0) * 1000, inFlight: false };
        this.due.set(key, d);
        if (d.inFlight || now < d.next) continue;
        d.inFlight = true;
        void this.run(probe, spec, c.id, podIP).then((outcome) => {
          d.inFlight = false;
          d.next = Date.now() + (probe.periodSeconds ?? 10) * 1000;
          t.record(spec.name, kind, probe, outcome.ok);
          if (!outcome.ok) this.onFailure(pod, spec.name, kind, outcome.detail ?? 'failed');
        });
      }
    }
  }

  private async run(probe: Probe, spec: ContainerSpec, containerId: string, podIP: string): Promise<ProbeOutcome> {
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    try {
      if (probe.exec) {
        const { exitCode } = await this.cri.execSync(containerId, probe.exec.command, probe.timeoutSeconds ?? 1);
        return exitCode === 0 ? { ok: true } : { ok: false, detail: `command ${JSON.stringify(probe.exec.command)} exited with ${exitCode}` };
      }
      if (probe.httpGet) {
        const port = portNumber(spec, probe.httpGet.port);
        const url = `http://${podIP}:${port}${probe.httpGet.path ?? '/'}`;
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        return res.status >= 200 && res.status < 400 ? { ok: true } : { ok: false, detail: `HTTP probe failed with statuscode: ${res.status}` };
      }
      if (probe.tcpSocket) return await tcpOpen(podIP, portNumber(spec, probe.tcpSocket.port), timeoutMs);
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
    return { ok: false, detail: 'the probe names no handler (exec, httpGet or tcpSocket)' };
  }
}

function portNumber(spec: ContainerSpec, port: number | string): number {
  if (typeof port === 'number') return port;
  const named = spec.ports?.find((p) => p.name === port)?.containerPort;
  return named ?? Number(port);
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: ProbeOutcome): void => { socket.destroy(); resolve(outcome); };
    const dial = `dial tcp ${host}:${port}`;
    socket.setTimeout(timeoutMs, () => done({ ok: false, detail: `${dial}: i/o timeout` }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, detail: `${dial}: connect: ${error.code === 'ECONNREFUSED' ? 'connection refused' : error.code ?? error.message}` }));
  });
}
