/**
 * Reads the runtime's state for the kubelet: one ListPodSandbox and one ListContainers per
 * sync, grouped by Pod uid through the labels the kubelet put on them. Exit details come
 * from ContainerStatus; an exited container never changes, so its details are cached.
 */
import type { ContainerStatus, Cri, PodSandboxStatus } from '../../../src/ports/cri.ts';
import type { ObservedContainer, ObservedPod } from '../core/observed-pod.ts';

export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** Which kubelet made a sandbox, so kubelets sharing a runtime never touch each other's. */
export const LABEL_NODE = 'kck.io/node';

const stateOf = (s: ContainerStatus['state']): ObservedContainer['state'] =>
  s === 'CONTAINER_RUNNING' ? 'running' : s === 'CONTAINER_EXITED' ? 'exited' : s === 'CONTAINER_CREATED' ? 'created' : 'unknown';

export interface Observation {
  pods: Map<string, ObservedPod>;
  /** Sandboxes of this node, including those of Pods the kubelet no longer wants. */
  sandboxes: PodSandboxStatus[];
}

export class RuntimeObserver {
  private readonly details = new Map<string, ContainerStatus>();
  /** A sandbox's IP never changes while it is ready: asked once per sandbox. */
  private readonly ips = new Map<string, string>();

  constructor(private readonly cri: Cri, private readonly nodeName: string) {}

  async observe(): Promise<Observation> {
    const sandboxes = (await this.cri.listPodSandbox({ labelSelector: { [LABEL_NODE]: this.nodeName } }));
    const bySandbox = new Map(sandboxes.map((s) => [s.id, s]));
    const containers = (await this.cri.listContainers()).filter((c) => c.podSandboxId && bySandbox.has(c.podSandboxId));
    const pods = new Map<string, ObservedPod>();
    const podOf = (uid: string): ObservedPod => {
      let p = pods.get(uid);
      if (!p) { p = { sandbox: undefined, containers: [] }; pods.set(uid, p); }
      return p;
    };
    for (const s of sandboxes) {
      const uid = s.labels[LABEL_POD_UID] ?? '';
      const p = podOf(uid);
      const attempt = s.metadata?.attempt ?? 0;
      // Several sandboxes (after a sandbox restart): the newest attempt counts.
      if (!p.sandbox || attempt >= p.sandbox.attempt) p.sandbox = { id: s.id, ready: s.state === 'SANDBOX_READY', ip: '', attempt };
    }
    for (const s of sandboxes) {
      const p = podOf(s.labels[LABEL_POD_UID] ?? '');
      if (s.state === 'SANDBOX_READY' && s.id !== p.sandbox?.id) (p.extraReadySandboxes ??= []).push(s.id);
    }
    const sandboxIds = new Set(sandboxes.map((s) => s.id));
    for (const id of [...this.ips.keys()]) if (!sandboxIds.has(id)) this.ips.delete(id);
    await Promise.all([...pods.values()].map(async (p) => {
      if (!p.sandbox?.ready) return;
      let ip = this.ips.get(p.sandbox.id);
      if (ip === undefined) {
        ip = (await this.cri.podSandboxStatus(p.sandbox.id).catch(() => undefined))?.network?.ip;
        if (ip !== undefined) this.ips.set(p.sandbox.id, ip);
      }
      p.sandbox.ip = ip ?? '';
    }));
    // Exit details only for containers whose state moved since the last look, all at once.
    await Promise.all(containers.map(async (c) => {
      const d = this.details.get(c.id);
      if (d && (d.state === c.state || d.state === 'CONTAINER_EXITED')) return;
      const fresh = await this.cri.containerStatus(c.id).catch(() => undefined);
      if (fresh) this.details.set(c.id, fresh);
    }));
    const live = new Set<string>();
    for (const c of containers) {
      live.add(c.id);
      const uid = c.labels?.[LABEL_POD_UID] ?? bySandbox.get(c.podSandboxId!)?.labels[LABEL_POD_UID] ?? '';
      const detail = this.details.get(c.id) ?? c;
      podOf(uid).containers.push({
        id: c.id,
        name: c.labels?.[LABEL_CONTAINER_NAME] ?? c.name,
        attempt: c.attempt ?? 0,
        state: stateOf(detail.state),
        exitCode: detail.exitCode,
        reason: detail.reason,
        startedAt: Math.floor(detail.startedAt / 1e6),
        finishedAt: Math.floor(detail.finishedAt / 1e6),
        image: detail.image,
        imageRef: detail.imageRef ?? c.imageRef ?? '',
      });
    }
    for (const id of [...this.details.keys()]) if (!live.has(id)) this.details.delete(id);
    return { pods, sandboxes };
  }
}
