/**
 * The cloud service controller: LoadBalancer Services get a balancer from the provider and
 * status.loadBalancer.ingress; spec changes update it; node changes update every balancer's
 * backends; deletion (or a type change) deletes it and then drops the cleanup finalizer.
 * Provider errors become Warning Events (SyncLoadBalancerFailed) and are retried with backoff.
 */
import type { KubeApi } from '../../../src/ports/kube-api.ts';
import { keyOf, NODE, type Node } from '../../client-machinery/core/api-types.ts';
import { EventRecorder } from '../../client-machinery/shell/event-recorder.ts';
import { Informer } from '../../client-machinery/shell/informer.ts';
import { runWorkers, WorkQueue } from '../../client-machinery/shell/work-queue.ts';
import type { Service } from '../../controller-manager/core/workload-types.ts';
import type { LoadBalancer } from '../core/cloud-provider.ts';
import { decide, eligibleNode, hasFinalizer, LB_FINALIZER } from '../core/service-lb-decision.ts';

const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;

export function startServiceController(api: KubeApi, lb: LoadBalancer, options: { clusterName: string; log: (line: string) => void }): { start(): Promise<void>; stop(): Promise<void> } {
  const services = new Informer<Service>(api, { kind: SERVICE, log: options.log });
  const nodes = new Informer<Node>(api, { kind: NODE, log: options.log });
  const events = new EventRecorder(api, { component: 'service-controller', log: options.log });
  // Balancer retries start at 1 s (upstream minRetryDelay 5 s; shorter keeps scenarios quick).
  const queue = new WorkQueue({ baseMs: 1000, maxMs: 60_000 });
  const lastSpec = new Map<string, string>();
  let workers: Promise<void> | undefined;

  const eligible = (): Node[] => nodes.list().filter(eligibleNode);
  services.addHandler({ onAdd: (s) => queue.add(keyOf(s)), onUpdate: (_, s) => queue.add(keyOf(s)), onDelete: (s) => queue.add(keyOf(s)) });
  const nodesChanged = (): void => {
    for (const s of services.list()) if (s.spec.type === 'LoadBalancer') queue.add(keyOf(s));
  };
  nodes.addHandler({ onAdd: nodesChanged, onUpdate: (old, n) => eligibleNode(old) !== eligibleNode(n) && nodesChanged(), onDelete: nodesChanged });

  const svcKey = (s: Service): { apiVersion: string; kind: string; name: string; namespace: string } => ({ ...SERVICE, name: s.metadata.name, namespace: s.metadata.namespace });

  const sync = async (key: string): Promise<void> => {
    const svc = services.get(key);
    const decision = decide(svc);
    if (svc === undefined || decision === 'none') return;
    if (decision === 'cleanup') {
      events.event(svc, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
      await lb.ensureLoadBalancerDeleted(options.clusterName, svc);
      if ((svc.status?.loadBalancer?.ingress?.length ?? 0) > 0 && svc.metadata.deletionTimestamp === undefined) {
        await api.patch(svcKey(svc), { status: { loadBalancer: {} } }, 'merge', { subresource: 'status' });
      }
      if (hasFinalizer(svc)) {
        await api.patch(svcKey(svc), [{ op: 'test', path: '/metadata/finalizers', value: svc.metadata.finalizers }, { op: 'replace', path: '/metadata/finalizers', value: (svc.metadata.finalizers ?? []).filter((f) => f !== LB_FINALIZER) }], 'json');
      }
      events.event(svc, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
      lastSpec.delete(key);
      return;
    }
    // Finalizer first: a balancer must never exist without it, or deleting the Service leaks it.
    if (!hasFinalizer(svc)) {
      await api.patch(svcKey(svc), [{ op: 'add', path: svc.metadata.finalizers === undefined ? '/metadata/finalizers' : '/metadata/finalizers/-', value: svc.metadata.finalizers === undefined ? [LB_FINALIZER] : LB_FINALIZER }], 'json');
      return; // the update event brings us back with the finalizer in place
    }
    const spec = JSON.stringify({ ports: svc.spec.ports, ann: svc.metadata.annotations ?? {}, nodes: eligible().map((n) => n.metadata.name).sort() });
    const existing = await lb.getLoadBalancer(options.clusterName, svc);
    const current = svc.status?.loadBalancer?.ingress ?? [];
    if (existing !== undefined && lastSpec.get(key) === spec && JSON.stringify(current) === JSON.stringify(existing.ingress)) return;
    events.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    let status;
    try {
      status = await lb.ensureLoadBalancer(options.clusterName, svc, eligible());
    } catch (error) {
      const message = `Error syncing load balancer: failed to ensure load balancer: ${error instanceof Error ? error.message : String(error)}`;
      events.event(svc, 'Warning', 'SyncLoadBalancerFailed', message);
      throw new Error(message);
    }
    lastSpec.set(key, spec);
    if (JSON.stringify(current) !== JSON.stringify(status.ingress)) {
      await api.patch(svcKey(svc), { status: { loadBalancer: { ingress: status.ingress } } }, 'merge', { subresource: 'status' });
    }
    events.event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
    options.log(`load balancer for ${key}: ${status.ingress.map((i) => i.ip ?? i.hostname ?? '').join(',')}`);
  };

  return {
    async start() {
      await Promise.all([services.start(), nodes.start()]);
      workers = runWorkers(queue, 2, sync, options.log);
    },
    async stop() {
      queue.shutDown();
      services.stop();
      nodes.stop();
      await workers;
      await events.flush();
    },
  };
}
