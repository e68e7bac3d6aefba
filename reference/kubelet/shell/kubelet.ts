/**
 * The reference kubelet's process logic: Node registration and Lease (NodeAgent), its Pods
 * from the API and from static manifests, a sync loop that observes the runtime, asks the
 * core what to do, does it through CRI, and reports Pod status; probes; mirror Pods.
 * It talks to the apiserver only through the KubeApi port and to the runtime only through
 * the Cri port (S4.6, S9.2).
 */
import type { Cri } from '../../../src/ports/cri.ts';
import type { KubeApi, KubeObject } from '../../../src/ports/kube-api.ts';
import { ApiError } from '../../../src/ports/kube-api.ts';
import { Backoff } from '../core/backoff.ts';
import type { NodeFacts } from '../core/node-status.ts';
import type { ObservedPod } from '../core/observed-pod.ts';
import { computePodActions } from '../core/pod-sync.ts';
import { computePodStatus, keepTransitionTimes } from '../core/pod-status.ts';
import type { PodJson, PodStatusJson } from '../core/pod-types.ts';
import { MIRROR_ANNOTATION, mirrorPod } from '../core/static-pod.ts';
import { ApiPodSource } from './api-pod-source.ts';
import { LogServer } from './log-server.ts';
import { NodeAgent } from './node-agent.ts';
import { execute, killPod } from './pod-executor.ts';
import type { ExecutorContext } from './pod-executor.ts';
import { ProbeRunner } from './probe-runner.ts';
import { EventRecorder } from '../../client-machinery/shell/event-recorder.ts';
import { RuntimeObserver } from './runtime-observer.ts';
import { StaticPodSource } from './static-pod-source.ts';

export interface KubeletOptions {
  kube: KubeApi;
  cri: Cri;
  facts: NodeFacts;
  /** Root folder for pod logs. */
  root: string;
  manifestPath: string | undefined;
  log: (line: string) => void;
  syncIntervalMs?: number;
  /** Serving certificate for the log server (HTTPS); plain HTTP without. */
  tls?: { certPem: string; keyPem: string };
}

const podKey = (p: PodJson): { apiVersion: string; kind: string; name: string; namespace: string } => ({ apiVersion: 'v1', kind: 'Pod', name: p.metadata.name, namespace: p.metadata.namespace });

export class Kubelet {
  private readonly node: NodeAgent;
  private readonly apiPods: ApiPodSource;
  private readonly staticPods: StaticPodSource | undefined;
  private readonly observer: RuntimeObserver;
  private readonly probes: ProbeRunner;
  private readonly events: EventRecorder;
  private readonly backoff = new Backoff();
  private readonly busy = new Map<string, Promise<void>>();
  /** When each Pod's last piece of work ended (performance.now()), to spot stale observations. */
  private readonly settledAt = new Map<string, number>();
  private readonly lastStatus = new Map<string, string>();
  private readonly podIPs = new Map<string, string>();
  private readonly startTimes = new Map<string, string>();
  private readonly waiting = new Map<string, Record<string, { reason: string; message: string }>>();
  private readonly mirrorBusy = new Set<string>();
  private readonly logServer: LogServer;
  private runtimeScheme = 'kck';
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly o: KubeletOptions) {
    this.node = new NodeAgent(o.kube, o.facts, o.log, async () => o.cri.version().then(() => true, () => false));
    this.apiPods = new ApiPodSource(o.kube, o.facts.name, () => this.kick(), o.log);
    this.staticPods = o.manifestPath ? new StaticPodSource(o.manifestPath, o.facts.name, o.log) : undefined;
    this.observer = new RuntimeObserver(o.cri, o.facts.name);
    this.events = new EventRecorder(o.kube, { component: 'kubelet', host: o.facts.name, log: o.log });
    // As the kubelet: every failed probe is a Warning Unhealthy Event on the Pod (repeats
    // count up on one Event), the first thing to read when a Pod stays unready.
    this.probes = new ProbeRunner(o.cri, (pod, container, kind, detail) => {
      const what = `${kind[0]!.toUpperCase()}${kind.slice(1)}`;
      this.events.event({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid } }, 'Warning', 'Unhealthy', `${what} probe failed: ${detail}`, `spec.containers{${container}}`);
    });
    this.logServer = new LogServer({
      root: o.root, host: o.facts.ip, port: o.facts.kubeletPort, tls: o.tls,
      findPod: (namespace, name) => [...this.desired().values()].find((p) => p.metadata.namespace === namespace && p.metadata.name === name),
    });
  }

  async start(): Promise<void> {
    const v = await this.o.cri.version();
    this.runtimeScheme = v.runtimeName === 'containerd' ? 'containerd' : 'kck';
    this.o.facts.runtimeVersion = `${this.runtimeScheme}://${v.runtimeVersion}`;
    // The Node advertises the log server's port (daemonEndpoints): listen first (port 0: any).
    this.o.facts.kubeletPort = await this.logServer.start();
    await this.node.register();
    await this.apiPods.start();
    this.timer = setInterval(() => this.kick(), this.o.syncIntervalMs ?? 1000);
    this.kick();
    this.o.log(`kubelet for node ${this.o.facts.name} running (runtime ${v.runtimeName} ${v.runtimeVersion})`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.apiPods.stop();
    this.node.stop();
    await this.logServer.stop();
    await this.syncing;
    await Promise.all(this.busy.values());
  }

  /** Requests a sync soon; syncs never overlap, one more runs if asked for during one. */
  private kick(): void {
    if (this.stopped) return;
    if (this.syncing) { this.again = true; return; }
    this.syncing = this.syncAll().catch((err: unknown) => this.o.log(`sync failed: ${String(err)}`)).finally(() => {
      this.syncing = undefined;
      if (this.again) { this.again = false; this.kick(); }
    });
  }

  private desired(): Map<string, PodJson> {
    const out = new Map<string, PodJson>();
    for (const [uid, p] of this.apiPods.pods) if (!p.metadata.annotations?.[MIRROR_ANNOTATION]) out.set(uid, p);
    for (const [uid, p] of this.staticPods?.pods ?? []) out.set(uid, p);
    return out;
  }

  private async syncAll(): Promise<void> {
    this.staticPods?.scan();
    const observedFrom = performance.now();
    const observation = await this.observer.observe();
    const desired = this.desired();
    const now = Date.now();
    for (const [uid, pod] of desired) {
      if (this.busy.has(uid)) continue;
      // A Pod whose work ended while the runtime was being read may be seen without the
      // sandbox it just got; acting on that would start a second one (and report the IP of
      // the one its containers are not in). It waits for the next, fresh observation.
      if ((this.settledAt.get(uid) ?? -1) >= observedFrom) { this.again = true; continue; }
      const observed = observation.pods.get(uid) ?? { sandbox: undefined, containers: [] };
      this.track(uid, this.syncPod(pod, observed, now));
    }
    // Sandboxes of Pods nobody wants any more (deleted from the API, manifest removed).
    for (const [uid, observed] of observation.pods) {
      if (desired.has(uid) || this.busy.has(uid)) continue;
      this.track(uid, killPod(this.executor(''), observed, 0).then(() => {
        this.probes.forget(uid);
        this.backoff.forget(`${uid}/`);
        for (const m of [this.lastStatus, this.podIPs, this.startTimes, this.waiting]) m.delete(uid);
      }));
    }
    // Work that ended before this observation began is in it: no need to remember it.
    for (const [uid, at] of this.settledAt) if (at < observedFrom) this.settledAt.delete(uid);
    await this.syncMirrors();
  }

  private track(uid: string, work: Promise<void>): void {
    const p = work.catch((err: unknown) => this.o.log(`pod ${uid}: ${String(err)}`)).finally(() => {
      this.busy.delete(uid);
      this.settledAt.set(uid, performance.now());
    });
    this.busy.set(uid, p);
  }

  private executor(handler: string): ExecutorContext {
    return {
      cri: this.o.cri, root: this.o.root, nodeName: this.o.facts.name, log: this.o.log, handler,
      onContainerStarted: (uid, name) => this.probes.containerStarted(uid, name),
    };
  }

  private isStatic(pod: PodJson): boolean {
    return pod.metadata.annotations?.['kubernetes.io/config.source'] === 'file';
  }

  private async syncPod(pod: PodJson, observed: ObservedPod, now: number): Promise<void> {
    const uid = pod.metadata.uid;
    if (!this.startTimes.has(uid)) this.startTimes.set(uid, new Date(now).toISOString());
    if (pod.status?.phase === 'Failed' && pod.status.reason === 'RuntimeClassNotFound' && !observed.sandbox) return;
    // RuntimeClass -> handler (S9.3); an unknown class fails the Pod with a clear reason.
    let handler = '';
    if (pod.spec.runtimeClassName && !pod.metadata.deletionTimestamp) {
      const rc = await this.o.kube.get({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name: pod.spec.runtimeClassName });
      if (!rc) {
        await this.postStatus(pod, {
          phase: 'Failed', reason: 'RuntimeClassNotFound', message: `RuntimeClass "${pod.spec.runtimeClassName}" not found: the kubelet cannot run this Pod`,
          conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False', reason: 'RuntimeClassNotFound' }], containerStatuses: [],
        });
        return;
      }
      handler = String(rc['handler'] ?? '');
    }
    // Two ready sandboxes for one Pod (upstream's kubelet reconciles them too): the extras go,
    // with whatever runs in them; the next sync sees the Pod in its one sandbox.
    if (observed.extraReadySandboxes !== undefined && observed.extraReadySandboxes.length > 0) {
      for (const id of observed.extraReadySandboxes) {
        this.o.log(`pod ${pod.metadata.namespace}/${pod.metadata.name}: removing extra sandbox ${id.slice(0, 12)} (it has ${observed.sandbox?.id.slice(0, 12) ?? 'none'})`);
        await this.o.cri.stopPodSandbox(id);
        await this.o.cri.removePodSandbox(id);
      }
      return;
    }
    const unhealthy = this.probes.unhealthy(uid, pod);
    const { actions, waiting } = computePodActions({ pod, observed, now, backoff: this.backoff, unhealthy });
    const ctx = this.executor(handler);
    for (const action of actions) {
      try {
        await execute(ctx, pod, observed, action);
      } catch (err) {
        const reason = action.kind === 'runSandbox' ? 'FailedCreatePodSandBox' : action.kind === 'startContainer' ? 'CreateContainerError' : 'KillError';
        if (action.kind === 'startContainer') waiting[action.container.name] = { reason, message: String(err) };
        this.o.log(`pod ${pod.metadata.namespace}/${pod.metadata.name}: ${action.kind} failed: ${String(err)}`);
        if (action.kind === 'runSandbox') break;
      }
    }
    this.waiting.set(uid, waiting);
    if (pod.metadata.deletionTimestamp) {
      if (!this.isStatic(pod)) {
        // Graceful termination done: the kubelet finishes the deletion (gracePeriodSeconds=0).
        await this.o.kube.delete(podKey(pod), { gracePeriodSeconds: 0, preconditions: { uid } }).catch((err: unknown) => {
          if (!(err instanceof ApiError && (err.status === 404 || err.status === 409))) throw err;
        });
      }
      return;
    }
    if (observed.sandbox?.ip) this.podIPs.set(uid, observed.sandbox.ip);
    const running = new Map(observed.containers.filter((c) => c.state === 'running').map((c) => [c.name, { id: c.id, startedAt: c.startedAt }]));
    const podIP = pod.spec.hostNetwork ? this.o.facts.ip : observed.sandbox?.ip ?? '';
    if (podIP) this.probes.tick(pod, running, podIP, now);
    const tracker = this.probes.tracker(uid);
    const status = computePodStatus({
      pod, observed, waiting,
      ready: (c) => tracker.state(c, 'readiness'),
      started: (c) => tracker.state(c, 'startup'),
      hostIP: this.o.facts.ip,
      podIP: pod.spec.hostNetwork ? this.o.facts.ip : this.podIPs.get(uid) ?? '',
      startTime: this.startTimes.get(uid) ?? new Date(now).toISOString(),
      runtimeScheme: this.runtimeScheme,
      iso: (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    await this.postStatus(pod, status);
  }

  /** Sends the status when it changed; a static Pod's status goes to its mirror Pod. */
  private async postStatus(pod: PodJson, status: Partial<PodStatusJson>): Promise<void> {
    const target = this.isStatic(pod) ? this.apiMirror(pod) : pod;
    if (!target) return;
    const conditions = keepTransitionTimes(status.conditions ?? [], target.status?.conditions as PodStatusJson['conditions'] | undefined);
    const body = { ...status, conditions };
    const text = JSON.stringify(body);
    const key = `${pod.metadata.uid}/${target.metadata.uid}`;
    if (this.lastStatus.get(key) === text) return;
    await this.o.kube.patch(podKey(target), { status: body }, 'merge', { subresource: 'status' }).then(() => { this.lastStatus.set(key, text); }, (err: unknown) => {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    });
  }

  private apiMirror(pod: PodJson): PodJson | undefined {
    for (const p of this.apiPods.pods.values()) {
      if (p.metadata.name === pod.metadata.name && p.metadata.namespace === pod.metadata.namespace && p.metadata.annotations?.[MIRROR_ANNOTATION]) return p;
    }
    return undefined;
  }

  /** Mirror Pods (S8.3): one per static Pod; a deleted mirror comes back; a gone static Pod loses its mirror. */
  private async syncMirrors(): Promise<void> {
    const statics = [...(this.staticPods?.pods.values() ?? [])];
    const wanted = new Set(statics.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    for (const pod of statics) {
      const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (this.mirrorBusy.has(name)) continue;
      const mirror = this.apiMirror(pod);
      const hash = pod.metadata.annotations?.['kubernetes.io/config.hash'];
      const stale = mirror && (mirror.metadata.deletionTimestamp || mirror.metadata.annotations?.[MIRROR_ANNOTATION] !== hash);
      if (mirror && !stale) continue;
      this.mirrorBusy.add(name);
      void (async () => {
        if (mirror) await this.o.kube.delete(podKey(mirror), { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata.uid } }).catch(() => undefined);
        await this.o.kube.create(mirrorPod(pod, { name: this.o.facts.name, uid: this.node.nodeUid }) as unknown as KubeObject);
        this.lastStatus.forEach((_, k) => { if (k.startsWith(`${pod.metadata.uid}/`)) this.lastStatus.delete(k); });
        this.o.log(`mirror pod ${name} created`);
      })().catch((err: unknown) => { if (!(err instanceof ApiError && err.status === 409)) this.o.log(`mirror pod ${name}: ${String(err)}`); }).finally(() => this.mirrorBusy.delete(name));
    }
    for (const p of this.apiPods.pods.values()) {
      const name = `${p.metadata.namespace}/${p.metadata.name}`;
      if (!p.metadata.annotations?.[MIRROR_ANNOTATION] || wanted.has(name) || this.mirrorBusy.has(name) || !this.staticPods) continue;
      this.mirrorBusy.add(name);
      void this.o.kube.delete(podKey(p), { gracePeriodSeconds: 0 }).catch(() => undefined).finally(() => this.mirrorBusy.delete(name));
    }
  }
}
