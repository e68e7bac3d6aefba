/**
 * Runs liveness, readiness and startup probes of running containers on their periods:
 * exec through CRI ExecSync, HTTP GET and TCP connect to the Pod IP from the node (as the
 * kubelet does). Results feed the ProbeTracker; the sync loop reads its decisions.
 */
import { connect } from 'node:net';
import type { Cri } from '../../../src/ports/cri.ts';
import type { ContainerSpec, PodJson, Probe } from '../core/pod-types.ts';
import { ProbeTracker } from '../core/probe-tracker.ts';
import type { ProbeKind } from '../core/probe-tracker.ts';

interface Due { next: number; inFlight: boolean }

export class ProbeRunner {
  private readonly trackers = new Map<string, ProbeTracker>();
  private readonly due = new Map<string, Due>();

  constructor(private readonly cri: Cri) {}

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
        void this.run(probe, spec, c.id, podIP).then((ok) => {
          t.record(spec.name, kind, probe, ok);
          d.inFlight = false;
          d.next = Date.now() + (probe.periodSeconds ?? 10) * 1000;
        });
      }
    }
  }

  private async run(probe: Probe, spec: ContainerSpec, containerId: string, podIP: string): Promise<boolean> {
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    try {
      if (probe.exec) return (await this.cri.execSync(containerId, probe.exec.command, probe.timeoutSeconds ?? 1)).exitCode === 0;
      if (probe.httpGet) {
        const port = portNumber(spec, probe.httpGet.port);
        const res = await fetch(`http://${podIP}:${port}${probe.httpGet.path ?? '/'}`, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        return res.status >= 200 && res.status < 400;
      }
      if (probe.tcpSocket) return await tcpOpen(podIP, portNumber(spec, probe.tcpSocket.port), timeoutMs);
    } catch {
      return false;
    }
    return false;
  }
}

function portNumber(spec: ContainerSpec, port: number | string): number {
  if (typeof port === 'number') return port;
  const named = spec.ports?.find((p) => p.name === port)?.containerPort;
  return named ?? Number(port);
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
