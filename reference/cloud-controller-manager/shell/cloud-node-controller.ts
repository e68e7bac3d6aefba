/**
 * The cloud node controller: a Node registered with the node.cloudprovider.kubernetes.io/
 * uninitialized taint (kubelet --cloud-provider=external) gets its addresses and providerID
 * from the provider, then the taint is removed so workloads can land there.
 */
import type { KubeApi } from '../../../src/ports/kube-api.ts';
import { NODE, type Node } from '../../client-machinery/core/api-types.ts';
import { Informer } from '../../client-machinery/shell/informer.ts';
import { runWorkers, WorkQueue } from '../../client-machinery/shell/work-queue.ts';
import type { Instances } from '../core/cloud-provider.ts';

export const UNINITIALIZED = 'node.cloudprovider.kubernetes.io/uninitialized';

export function startCloudNodeController(api: KubeApi, instances: Instances, log: (line: string) => void): { start(): Promise<void>; stop(): Promise<void> } {
  const nodes = new Informer<Node>(api, { kind: NODE, log });
  const queue = new WorkQueue({ baseMs: 500, maxMs: 30_000 });
  let workers: Promise<void> | undefined;
  const uninitialized = (n: Node): boolean => n.spec?.taints?.some((t) => t.key === UNINITIALIZED) ?? false;
  nodes.addHandler({ onAdd: (n) => uninitialized(n) && queue.add(n.metadata.name), onUpdate: (_, n) => uninitialized(n) && queue.add(n.metadata.name) });
  const sync = async (name: string): Promise<void> => {
    const node = nodes.get(name);
    if (node === undefined || !uninitialized(node)) return;
    const addresses = await instances.nodeAddresses(node);
    const withStatus = await api.updateStatus<Node>({ ...node, status: { ...(node.status ?? {}), addresses } });
    await api.update<Node>({ ...withStatus, spec: { ...(withStatus.spec ?? {}), providerID: withStatus.spec?.providerID ?? (await instances.providerId(node)), taints: (withStatus.spec?.taints ?? []).filter((t) => t.key !== UNINITIALIZED) } });
    log(`initialized node ${name} (${addresses.map((a) => `${a.type}=${a.address}`).join(', ')})`);
  };
  return {
    async start() {
      await nodes.start();
      workers = runWorkers(queue, 1, sync, log);
    },
    async stop() {
      queue.shutDown();
      nodes.stop();
      await workers;
    },
  };
}
