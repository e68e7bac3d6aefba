/**
 * Pods bound to this node, from the API: the shared reflector (client-machinery's Informer)
 * with fieldSelector spec.nodeName=<node>, so the kubelet sees only its own Pods (and the
 * Node authorizer lets it), as upstream's kubelet uses a reflector on the same selector.
 *
 * It used to list and watch on its own and gave up after two failed relists: an apiserver
 * outage of a few seconds left the kubelet blind to every Pod bound to it afterwards (S3.4).
 * The Informer retries with backoff for as long as the server is away, then relists.
 */
import type { KubeApi, KubeObject } from '../../../src/ports/kube-api.ts';
import { Informer } from '../../client-machinery/shell/informer.ts';
import type { PodJson } from '../core/pod-types.ts';

export class ApiPodSource {
  private readonly informer: Informer<KubeObject>;

  constructor(kube: KubeApi, nodeName: string, onChange: () => void, log: (line: string) => void) {
    this.informer = new Informer<KubeObject>(kube, { kind: { apiVersion: 'v1', kind: 'Pod' }, fieldSelector: `spec.nodeName=${nodeName}`, log: (line) => log(`pods: ${line}`) });
    this.informer.addHandler({ onAdd: onChange, onUpdate: onChange, onDelete: onChange });
  }

  /** This node's Pods by uid, as last seen. */
  get pods(): Map<string, PodJson> {
    const out = new Map<string, PodJson>();
    for (const obj of this.informer.list()) {
      const pod = obj as unknown as PodJson;
      out.set(pod.metadata.uid, pod);
    }
    return out;
  }

  /** Resolves once the first list is in (retrying while the apiserver cannot be reached). */
  async start(): Promise<void> {
    await this.informer.start();
  }

  stop(): void {
    this.informer.stop();
  }
}
