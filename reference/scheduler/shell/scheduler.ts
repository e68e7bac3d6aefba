/**
 * The kube-scheduler process minus flags: informers on Pods and Nodes, the scheduling queue,
 * one scheduling loop calling the pure core, and asynchronous binding through pods/binding.
 * A Pod is "assumed" on its node as soon as it is chosen, so the next cycle already counts
 * it; the assumption is dropped when the informer shows the Pod bound, or the bind fails.
 */
import type { KubeApi } from '../../../src/ports/kube-api.ts';
import { keyOf, NODE, POD, type Node, type Pod } from '../../client-machinery/core/api-types.ts';
import { EventRecorder } from '../../client-machinery/shell/event-recorder.ts';
import { Informer } from '../../client-machinery/shell/informer.ts';
import { defaultProfile } from '../core/default-profile.ts';
import type { Profile, QueuedPodInfo } from '../core/framework.ts';
import { schedule } from '../core/schedule.ts';
import { addPod, buildSnapshot, type Snapshot } from '../core/snapshot.ts';
import { SchedulingQueue } from './scheduling-queue.ts';

export interface SchedulerOptions {
  profiles?: Profile[];
  log?: (line: string) => void;
  identity?: string;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export class Scheduler {
  private readonly profiles: Map<string, Profile>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly queue: SchedulingQueue;
  private readonly events: EventRecorder;
  private readonly assumed = new Map<string, { pod: Pod; node: string }>();
  private readonly binding = new Set<Promise<void>>();
  private snapshot: Snapshot | undefined;
  private loop: Promise<void> | undefined;
  private readonly log: (line: string) => void;

  constructor(
    private readonly api: KubeApi,
    options: SchedulerOptions = {},
  ) {
    const profiles = options.profiles ?? [defaultProfile()];
    this.profiles = new Map(profiles.map((p) => [p.schedulerName, p]));
    this.log = options.log ?? (() => undefined);
    this.queue = new SchedulingQueue(profiles[0]!.queueSort);
    this.pods = new Informer<Pod>(api, { kind: POD, log: this.log });
    this.nodes = new Informer<Node>(api, { kind: NODE, log: this.log });
    this.events = new EventRecorder(api, { component: 'default-scheduler', ...(options.identity !== undefined ? { host: options.identity } : {}), log: this.log });
  }

  private responsibleFor(pod: Pod): boolean {
    return (pod.spec.nodeName ?? '') === '' && this.profiles.has(pod.spec.schedulerName ?? 'default-scheduler') && pod.metadata.deletionTimestamp === undefined && !isTerminal(pod);
  }

  async start(): Promise<void> {
    this.nodes.addHandler({
      onAdd: () => this.clusterChanged('NodeAdd'),
      onUpdate: () => this.clusterChanged('NodeUpdate'),
      onDelete: () => this.clusterChanged('NodeDelete'),
    });
    this.pods.addHandler({
      onAdd: (pod) => this.podChanged(pod),
      onUpdate: (old, pod) => {
        this.podChanged(pod);
        // A bound Pod finishing or changing frees or moves resources.
        if ((old.spec.nodeName ?? '') !== '' && (isTerminal(pod) !== isTerminal(old) || pod.metadata.deletionTimestamp !== undefined)) this.clusterChanged('AssignedPodUpdate');
      },
      onDelete: (pod) => {
        const key = keyOf(pod);
        this.queue.delete(key);
        this.assumed.delete(key);
        if ((pod.spec.nodeName ?? '') !== '') this.clusterChanged('AssignedPodDelete');
      },
    });
    await Promise.all([this.nodes.start(), this.pods.start()]);
    this.log(`caches synced: ${this.nodes.list().length} nodes, ${this.pods.list().length} pods`);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.queue.close();
    this.pods.stop();
    this.nodes.stop();
    await this.loop;
    await Promise.all([...this.binding]);
    await this.events.flush();
  }

  private podChanged(pod: Pod): void {
    const key = keyOf(pod);
    if (this.responsibleFor(pod)) {
      if (!this.assumed.has(key)) this.queue.addOrUpdate(key, pod);
      return;
    }
    this.queue.delete(key);
    if ((pod.spec.nodeName ?? '') !== '') {
      // Bound (by us or anyone): the informer's copy now accounts for it.
      this.assumed.delete(key);
      this.snapshot = undefined;
    }
  }

  private clusterChanged(reason: string): void {
    this.snapshot = undefined;
    this.queue.moveAllToActive(reason);
  }

  private currentSnapshot(): Snapshot {
    if (this.snapshot !== undefined) return this.snapshot;
    const bound = this.pods.list().filter((p) => (p.spec.nodeName ?? '') !== '');
    const snapshot = buildSnapshot(this.nodes.list(), bound);
    for (const [key, { pod, node }] of this.assumed) {
      const seen = this.pods.get(key);
      if (seen === undefined || (seen.spec.nodeName ?? '') === '') addPod(snapshot, pod, node);
    }
    this.snapshot = snapshot;
    return snapshot;
  }

  private async run(): Promise<void> {
    for (;;) {
      const next = await this.queue.pop();
      if (next === undefined) return;
      const current = this.pods.get(next.key);
      if (current === undefined || !this.responsibleFor(current) || this.assumed.has(next.key)) continue;
      next.info.pod = current;
      this.scheduleOne(next.key, next.info);
      // Yield so watch events (bindings landing, node changes) interleave with a long burst.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private scheduleOne(key: string, info: QueuedPodInfo): void {
    const pod = info.pod;
    const profile = this.profiles.get(pod.spec.schedulerName ?? 'default-scheduler') ?? defaultProfile();
    const snapshot = this.currentSnapshot();
    const result = schedule(pod, snapshot, profile, { random: Math.random });
    if ('unschedulable' in result) {
      const message = result.unschedulable.message;
      this.log(`unable to schedule ${key}: ${message}`);
      this.queue.requeue(key, info, 'unschedulable');
      this.events.event(pod, 'Warning', 'FailedScheduling', message);
      this.track(this.setCondition(pod, 'False', 'Unschedulable', message));
      return;
    }
    this.assumed.set(key, { pod, node: result.node });
    addPod(snapshot, pod, result.node);
    this.track(this.bind(key, info, profile, result.node));
  }

  private track(p: Promise<void>): void {
    this.binding.add(p);
    void p.finally(() => this.binding.delete(p));
  }

  private async bind(key: string, info: QueuedPodInfo, profile: Profile, node: string): Promise<void> {
    const pod = info.pod;
    const binding = profile.bind.bind(pod, node);
    const ns = encodeURIComponent(binding.metadata.namespace);
    const name = encodeURIComponent(binding.metadata.name);
    const res = await this.api.request('POST', `/api/v1/namespaces/${ns}/pods/${name}/binding`, binding).catch((e: unknown) => ({ status: 0, text: String(e) }));
    if (res.status >= 200 && res.status < 300) {
      this.log(`bound ${key} to ${node}`);
      this.events.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name} to ${node}`);
      return;
    }
    // Un-assume: the node must not keep counting a Pod that is not there.
    this.assumed.delete(key);
    this.snapshot = undefined;
    if (res.status === 409 || res.status === 404) {
      this.log(`binding ${key} to ${node} refused (${res.status}): ${res.text.slice(0, 200)}`);
      return; // already bound by someone, or gone: the informer will tell
    }
    this.log(`binding ${key} to ${node} failed (${res.status}): ${res.text.slice(0, 200)}; retrying`);
    this.events.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${res.text.slice(0, 200)}`);
    this.queue.requeue(key, info, 'error');
  }

  /** The PodScheduled condition, patched strategically so other conditions stay intact. */
  private async setCondition(pod: Pod, status: 'True' | 'False', reason: string | undefined, message: string | undefined): Promise<void> {
    const existing = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (existing?.status === status && existing.reason === reason && existing.message === message) return;
    const condition: Record<string, unknown> = { type: 'PodScheduled', status, lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    if (reason !== undefined) condition['reason'] = reason;
    if (message !== undefined) condition['message'] = message;
    try {
      await this.api.patch({ ...POD, name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default' }, { status: { conditions: [condition] } }, 'strategic', { subresource: 'status' });
    } catch (error) {
      this.log(`updating PodScheduled of ${keyOf(pod)} failed: ${String(error)}`);
    }
  }
}
