/** Runs the authorizer chain of --authorization-mode (Node, RBAC, AlwaysAllow) for one request. */
import { nodeAuthorize, nodeNameOf, rbacAllows, type Attributes, type Binding, type RbacState, type Role, type UserInfo } from '../core/authorizer.ts';
import { findResource, storagePrefix, type ResourceInfo } from '../core/resource-table.ts';
import type { RequestInfo } from '../core/request-info.ts';
import { errors } from '../core/status.ts';
import { cacheFor, type ApiContext } from './context.ts';
import { getStored } from './registry.ts';

export type AuthorizationMode = 'Node' | 'RBAC' | 'AlwaysAllow' | 'AlwaysDeny';

function rbacState(ctx: ApiContext): RbacState {
  const objects = (resource: string): unknown[] => cacheFor(ctx, findResource('rbac.authorization.k8s.io', 'v1', resource) as ResourceInfo).snapshot(storagePrefix(ctx.prefix, findResource('rbac.authorization.k8s.io', 'v1', resource) as ResourceInfo)).map((x) => x.object);
  return {
    clusterRoles: objects('clusterroles') as Role[],
    roles: objects('roles') as Role[],
    clusterRoleBindings: objects('clusterrolebindings') as Binding[],
    roleBindings: objects('rolebindings') as Binding[],
  };
}

export async function authorize(ctx: ApiContext, modes: readonly AuthorizationMode[], user: UserInfo, ri: RequestInfo, body: unknown): Promise<void> {
  const a: Attributes =
    ri.kind === 'resource'
      ? { user, verb: ri.verb, path: '', resource: { apiGroup: ri.group, resource: ri.resource, subresource: ri.subresource, namespace: ri.namespace, name: ri.name } }
      : { user, verb: ri.verb, path: ri.path };
  if (ri.kind === 'non-resource') a.path = ri.path;
  for (const mode of modes) {
    if (mode === 'AlwaysAllow') return;
    if (mode === 'AlwaysDeny') break;
    if (mode === 'Node') {
      const node = nodeNameOf(user);
      if (node === undefined) continue;
      let podNode: string | undefined;
      if (ri.kind === 'resource' && ri.resource === 'pods' && ri.group === '' && !['get', 'list', 'watch'].includes(ri.verb)) {
        if (ri.verb === 'create' && ri.name === '') podNode = String(((body as { spec?: { nodeName?: unknown } } | undefined)?.spec?.nodeName) ?? '');
        else {
          const pods = findResource('', 'v1', 'pods') as ResourceInfo;
          const stored = await getStored(ctx, pods, ri.namespace, ri.name).catch(() => undefined);
          podNode = String(((stored?.object['spec'] ?? {}) as { nodeName?: unknown }).nodeName ?? '');
        }
      }
      if (ri.kind === 'resource' && ri.resource === 'nodes' && ri.verb === 'create') {
        const name = (body as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
        if (name !== node) throw errors.forbidden(user.name, ri.verb, ri.resource, ri.group, undefined, undefined, `node "${node}" is not allowed to modify node "${String(name)}"`);
      }
      const decision = nodeAuthorize(a, podNode);
      if (decision === 'allow') return;
      // The Node authorizer is authoritative for kubelet identities here (NodeRestriction).
      if (decision === 'deny') break;
      continue;
    }
    if (mode === 'RBAC' && rbacAllows(rbacState(ctx), a)) return;
  }
  if (ri.kind === 'resource') throw errors.forbidden(user.name, ri.verb, ri.subresource === '' ? ri.resource : `${ri.resource}/${ri.subresource}`, ri.group, ri.namespace, ri.name === '' ? undefined : ri.name);
  throw errors.forbiddenMessage(`forbidden: User "${user.name}" cannot ${ri.verb} path "${ri.path}"`);
}
