/**
 * Pods bound to this node, from the API: list, then watch from the list's resourceVersion,
 * with fieldSelector spec.nodeName=<node> so the kubelet sees only its own Pods (and the
 * Node authorizer lets it). When the watch ends it lists and watches again.
 */
import type { KubeApi, Watch } from '../../../src/ports/kube-api.ts';
import type { PodJson } from '../core/pod-types.ts';

export class ApiPodSource {
  readonly pods = new Map<string, PodJson>();
  private watch: Watch | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly kube: KubeApi, private readonly nodeName: string, private readonly onChange: () => void, private readonly log: (line: string) => void) {}

  async start(): Promise<void> {
    const kind = { apiVersion: 'v1', kind: 'Pod' };
    const fieldSelector = `spec.nodeName=${this.nodeName}`;
    const list = await this.kube.list(kind, { fieldSelector });
    this.pods.clear();
    for (const item of list.items) { const p = item as unknown as PodJson; this.pods.set(p.metadata.uid, p); }
    this.onChange();
    const watch = await this.kube.watch(kind, { fieldSelector, ...(list.metadata.resourceVersion ? { resourceVersion: list.metadata.resourceVersion } : {}) });
    this.watch = watch;
    watch.subscribe((event) => {
      const pod = event.object as unknown as PodJson;
      if (event.type === 'ADDED' || event.type === 'MODIFIED') this.pods.set(pod.metadata.uid, pod);
      else if (event.type === 'DELETED') this.pods.delete(pod.metadata.uid);
      else return;
      this.onChange();
    }, (error) => {
      if (this.stopped) return;
      this.log(`pod watch ended${error ? `: ${error.message}` : ''}; listing again`);
      this.retry = setTimeout(() => { void this.start().catch((err: unknown) => { this.log(`pod list failed: ${String(err)}`); this.retry = setTimeout(() => void this.start().catch(() => undefined), 2000); }); }, 1000);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.watch?.stop();
  }
}
