/**
 * What an apiserver ensures at start (upstream: the bootstrap controllers and the RBAC
 * post-start hook): the system namespaces and the default RBAC objects, each created only
 * if absent, so several instances starting together agree.
 */
import type { Cidr } from '../core/allocator.ts';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../core/bootstrap-policy.ts';
import { findResource, type ResourceInfo } from '../core/resource-table.ts';
import { isStatusError } from '../core/status.ts';
import type { ApiContext } from './context.ts';
import { createObject } from './registry.ts';

async function ensure(ctx: ApiContext, info: ResourceInfo, body: Record<string, unknown>): Promise<void> {
  try {
    await createObject(ctx, info, '', body, false);
  } catch (e) {
    if (!(isStatusError(e) && e.status.code === 409)) throw e;
  }
}

function cidrText(cidr: Cidr): string {
  const b = cidr.base;
  return `${[b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join('.')}/${32 - Math.log2(cidr.size)}`;
}

export async function bootstrap(ctx: ApiContext): Promise<void> {
  const namespaces = findResource('', 'v1', 'namespaces') as ResourceInfo;
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) await ensure(ctx, namespaces, { metadata: { name } });
  const roles = findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles') as ResourceInfo;
  for (const r of bootstrapClusterRoles()) await ensure(ctx, roles, r as unknown as Record<string, unknown>);
  const bindings = findResource('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings') as ResourceInfo;
  for (const b of bootstrapClusterRoleBindings()) await ensure(ctx, bindings, b as unknown as Record<string, unknown>);
  // The two system PriorityClasses upstream's scheduling post-start hook creates; critical
  // add-ons and static Pods name them, and the upstream scheduler resolves them by name.
  const priorityClasses = findResource('scheduling.k8s.io', 'v1', 'priorityclasses') as ResourceInfo;
  for (const [name, value, description] of [
    ['system-node-critical', 2000001000, 'Used for system critical pods that must not be moved from their current node.'],
    ['system-cluster-critical', 2000000000, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'],
  ] as const) await ensure(ctx, priorityClasses, { metadata: { name }, value, description });
  // The default ServiceCIDR from --service-cluster-ip-range (upstream 1.33, MultiCIDRServiceAllocator
  // GA: the apiserver's default-servicecidr controller); the controller-manager's
  // service-cidr controller then adds its finalizer and applies the Ready condition.
  const serviceCidrs = findResource('networking.k8s.io', 'v1', 'servicecidrs') as ResourceInfo;
  await ensure(ctx, serviceCidrs, { metadata: { name: 'kubernetes' }, spec: { cidrs: [cidrText(ctx.serviceCidr)] } });
}
