/**
 * What the service controller must do for one Service (upstream servicecontroller
 * needsCleanup / needsUpdate): ensure a balancer for LoadBalancer Services, delete it for a
 * Service that stopped being one or is being deleted, guarded by the
 * service.kubernetes.io/load-balancer-cleanup finalizer so a balancer is never leaked.
 */
import type { Service } from '../../controller-manager/core/workload-types.ts';

export const LB_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';

export type LbDecision = 'ensure' | 'cleanup' | 'none';

export function wantsLoadBalancer(svc: Service): boolean {
  return svc.spec.type === 'LoadBalancer' && svc.metadata.deletionTimestamp === undefined;
}

export function hasFinalizer(svc: Service): boolean {
  return svc.metadata.finalizers?.includes(LB_FINALIZER) ?? false;
}

export function decide(svc: Service | undefined): LbDecision {
  if (svc === undefined) return 'none';
  if (wantsLoadBalancer(svc)) return 'ensure';
  if (hasFinalizer(svc) || (svc.status?.loadBalancer?.ingress?.length ?? 0) > 0) return 'cleanup';
  return 'none';
}

/** Nodes that may carry load-balancer traffic (upstream: Ready, not excluded, not being deleted). */
export function eligibleNode(node: { metadata: { labels?: Record<string, string>; deletionTimestamp?: string }; status?: { conditions?: { type: string; status: string }[] } }): boolean {
  if (node.metadata.deletionTimestamp !== undefined) return false;
  if (node.metadata.labels?.['node.kubernetes.io/exclude-from-external-load-balancers'] !== undefined) return false;
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The balancer's backends: each eligible node's InternalIP (else first address) with the NodePort. */
export function backends(svc: Service, nodes: readonly { metadata: { name: string }; status?: { addresses?: { type: string; address: string }[] } }[], port: number): { host: string; port: number }[] {
  const sp = (svc.spec.ports ?? []).find((p) => p.port === port);
  if (sp?.nodePort === undefined) return [];
  const out: { host: string; port: number }[] = [];
  for (const n of nodes) {
    const addrs = n.status?.addresses ?? [];
    const ip = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs[0]?.address;
    if (ip !== undefined) out.push({ host: ip, port: sp.nodePort });
  }
  return out.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}
