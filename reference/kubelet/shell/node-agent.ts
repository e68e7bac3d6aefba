/**
 * The kubelet's Node-level duties (S8.1): register the Node (or take over an existing one),
 * post its status every 10 s, and renew its Lease in kube-node-lease every 10 s (lease
 * duration 40 s, as upstream) so the node lifecycle controller sees it alive.
 */
import type { KubeApi, KubeObject } from '../../../src/ports/kube-api.ts';
import { nodeObject, nodeStatus } from '../core/node-status.ts';
import type { NodeFacts } from '../core/node-status.ts';

const HEARTBEAT_MS = 10_000;
const LEASE_SECONDS = 40;

function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class NodeAgent {
  private timer: NodeJS.Timeout | undefined;
  private readonly since = new Date().toISOString();
  nodeUid = '';

  constructor(private readonly kube: KubeApi, private readonly facts: NodeFacts, private readonly log: (line: string) => void, private readonly runtimeReady: () => Promise<boolean>) {}

  async register(): Promise<void> {
    const key = { apiVersion: 'v1', kind: 'Node', name: this.facts.name };
    const now = new Date().toISOString();
    const desired = nodeObject(this.facts, now, await this.runtimeReady(), this.since) as unknown as KubeObject;
    const existing = await this.kube.get(key);
    let node: KubeObject;
    if (!existing) {
      node = await this.kube.create(desired);
      this.log(`node ${this.facts.name} registered`);
    } else {
      node = await this.kube.patch(key, { metadata: { labels: desired.metadata.labels }, spec: desired['spec'] }, 'merge');
      this.log(`node ${this.facts.name} already registered; taking it over`);
    }
    this.nodeUid = node.metadata.uid ?? '';
    await this.heartbeat();
    this.timer = setInterval(() => { void this.heartbeat().catch((err: unknown) => this.log(`heartbeat failed: ${String(err)}`)); }, HEARTBEAT_MS);
  }

  async heartbeat(): Promise<void> {
    const now = new Date();
    const status = nodeStatus(this.facts, now.toISOString(), await this.runtimeReady(), this.since);
    await this.kube.patch({ apiVersion: 'v1', kind: 'Node', name: this.facts.name }, { status }, 'merge', { subresource: 'status' });
    await this.renewLease();
  }

  private async renewLease(): Promise<void> {
    const key = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: this.facts.name, namespace: 'kube-node-lease' };
    const lease = await this.kube.get(key);
    // Stamped when the write is sent, as upstream's lease controller does: a stamp taken before
    // the status patch and the read would claim a renewal that far in the past.
    const spec = { holderIdentity: this.facts.name, leaseDurationSeconds: LEASE_SECONDS, renewTime: microTime(new Date()) };
    if (!lease) {
      await this.kube.create({
        apiVersion: key.apiVersion, kind: key.kind,
        metadata: { name: key.name, namespace: key.namespace, ...(this.nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.facts.name, uid: this.nodeUid }] } : {}) },
        spec,
      });
    } else {
      await this.kube.update({ ...lease, spec: { ...(lease['spec'] as object), ...spec } });
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
