/**
 * The generic registry: create, get, update, patch and delete of any served resource
 * against etcd, with the kind's strategy from the core (defaulting, validation, metadata,
 * graceful deletion, finalizers). Every failure is a StatusError.
 */
import { prepareCreate, prepareDelete, prepareUpdate, type DeleteOptionsBody } from '../core/object-lifecycle.ts';
import { fromStorage, toStorage } from '../core/conversion.ts';
import { applyPatch, type PatchKind } from '../core/patch.ts';
import { storageKey, storageOf, type ResourceInfo } from '../core/resource-table.ts';
import { errors, success, type Status } from '../core/status.ts';
import { validateObject, validateUpdate } from '../core/validation.ts';
import { allocateForService, heldBy, release } from './allocations.ts';
import { randomSuffix, randomUid, type ApiContext } from './context.ts';
import type { Obj, Stored } from './storage.ts';

const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false } as ResourceInfo;

function nameOf(o: Obj): string {
  return String(o.metadata?.['name'] ?? '');
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function key(ctx: ApiContext, info: ResourceInfo, ns: string, name: string): string {
  return storageKey(ctx.prefix, info, ns, name);
}

function checkValid(ctx: ApiContext, info: ResourceInfo, o: Obj): void {
  const causes = [...ctx.schemaErrors(info, o), ...validateObject(info, o, { nodePortRange: ctx.nodePortRange })];
  if (causes.length > 0) throw errors.invalid(info.kind, info.group, nameOf(o), causes);
}

export async function getStored(ctx: ApiContext, info: ResourceInfo, ns: string, name: string): Promise<Stored> {
  const got = await ctx.storage.get(key(ctx, info, ns, name));
  if (got === undefined) throw errors.notFound(info.resource, info.group, name);
  return got;
}

async function checkNamespace(ctx: ApiContext, ns: string): Promise<void> {
  const got = await ctx.storage.get(key(ctx, NAMESPACES, '', ns));
  if (got === undefined) throw errors.notFound('namespaces', '', ns);
  if (got.object.metadata?.['deletionTimestamp'] !== undefined)
    throw errors.forbiddenMessage(`unable to create new content in namespace ${ns} because it is being terminated`);
}

export async function createObject(ctx: ApiContext, info: ResourceInfo, ns: string, body: unknown, dryRun: boolean): Promise<Obj> {
  if (info.storedAs !== undefined) {
    if (isObj(body) && body['kind'] !== undefined && body['kind'] !== info.kind) throw errors.badRequest(`the kind of the provided object (${String(body['kind'])}) does not match the resource (${info.kind})`);
    return fromStorage(info, await createObject(ctx, storageOf(info), ns, toStorage(info, body), dryRun));
  }
  if (!isObj(body)) throw errors.badRequest('the body of the request must be a JSON object');
  if (body['kind'] !== undefined && body['kind'] !== info.kind) throw errors.badRequest(`the kind of the provided object (${String(body['kind'])}) does not match the resource (${info.kind})`);
  if (info.namespaced) await checkNamespace(ctx, ns);
  const o = prepareCreate(info, body, { clock: ctx.clock, uid: randomUid(ctx.random), suffix: randomSuffix(ctx.random), namespace: info.namespaced ? ns : undefined }) as Obj;
  checkValid(ctx, info, o);
  if (dryRun) return o;
  const allocation = info.kind === 'Service' ? await allocateForService(ctx, o) : { keys: [] };
  const created = await ctx.storage.create(key(ctx, info, ns, nameOf(o)), o);
  if (created === undefined) {
    await release(ctx, allocation);
    throw errors.alreadyExists(info.resource, info.group, nameOf(o));
  }
  return created;
}

export async function getObject(ctx: ApiContext, info: ResourceInfo, ns: string, name: string): Promise<Obj> {
  if (info.storedAs !== undefined) return fromStorage(info, await getObject(ctx, storageOf(info), ns, name));
  return (await getStored(ctx, info, ns, name)).object;
}

/** Carries a Service's allocations over an update and allocates/release NodePorts on type changes. */
async function serviceUpdate(ctx: ApiContext, old: Obj, next: Obj): Promise<() => Promise<void>> {
  const os = (old['spec'] ?? {}) as Record<string, unknown>;
  const ns = (next['spec'] ??= {}) as Record<string, unknown>;
  if ((ns['clusterIP'] === undefined || ns['clusterIP'] === '') && os['clusterIP'] !== undefined) {
    ns['clusterIP'] = os['clusterIP'];
    ns['clusterIPs'] = os['clusterIPs'];
  }
  const oldPorts = (Array.isArray(os['ports']) ? os['ports'] : []) as Array<Record<string, unknown>>;
  const newPorts = (Array.isArray(ns['ports']) ? ns['ports'] : []) as Array<Record<string, unknown>>;
  const wantsNodePorts = ns['type'] === 'NodePort' || ns['type'] === 'LoadBalancer';
  const oldKeys = new Set(heldBy(ctx, old).keys);
  for (const p of newPorts) {
    if (!wantsNodePorts) delete p['nodePort'];
    else if (p['nodePort'] === undefined) {
      const match = oldPorts.find((q) => q['port'] === p['port'] && q['protocol'] === p['protocol']);
      if (match?.['nodePort'] !== undefined) p['nodePort'] = match['nodePort'];
    }
  }
  // Allocate only what is new; ports already held by this Service stay as they are.
  const fresh: Obj = { metadata: next.metadata ?? {}, spec: { ...ns, clusterIP: 'None', ports: newPorts.filter((p) => p['nodePort'] === undefined || !oldKeys.has(`${ctx.prefix}/ranges/servicenodeports/${String(p['nodePort'])}`)) } };
  const allocation = wantsNodePorts ? await allocateForService(ctx, fresh) : { keys: [] };
  const newKeys = new Set([...heldBy(ctx, next).keys]);
  return async () => {
    await release(ctx, { keys: [...oldKeys].filter((k) => !newKeys.has(k)) });
    void allocation;
  };
}

export interface WriteOptions {
  subresource?: 'status' | 'finalize' | 'approval' | undefined;
  dryRun?: boolean;
  /** A write by the apiserver itself (pods/binding): no strategy, no immutability checks. */
  internal?: boolean;
}

/**
 * Read-modify-write with optimistic concurrency. `mutate` computes the new object from the
 * stored one; if the client named a resourceVersion it must match, else we retry on races.
 */
export async function writeObject(ctx: ApiContext, info: ResourceInfo, ns: string, name: string, mutate: (current: Obj) => Obj, options: WriteOptions = {}): Promise<Obj> {
  if (info.storedAs !== undefined) {
    const view = info;
    return fromStorage(view, await writeObject(ctx, storageOf(view), ns, name, (current) => toStorage(view, mutate(fromStorage(view, current))) as Obj, options));
  }
  for (let attempt = 0; ; attempt++) {
    const current = await getStored(ctx, info, ns, name);
    const body = mutate(structuredClone(current.object));
    if (!isObj(body)) throw errors.badRequest('the body of the request must be a JSON object');
    const bodyMeta = isObj(body['metadata']) ? body['metadata'] : {};
    if (bodyMeta['name'] !== undefined && bodyMeta['name'] !== name) throw errors.badRequest(`the name of the object (${String(bodyMeta['name'])}) does not match the name on the URL (${name})`);
    const rv = bodyMeta['resourceVersion'];
    const precondition = typeof rv === 'string' && rv !== '' ? Number(rv) : undefined;
    if (precondition !== undefined && precondition !== current.revision)
      throw errors.conflict(info.resource, info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    if (bodyMeta['uid'] !== undefined && bodyMeta['uid'] !== current.object.metadata?.['uid'])
      throw errors.conflict(info.resource, info.group, name, `Precondition failed: UID in precondition: ${String(bodyMeta['uid'])}, UID in object meta: ${String(current.object.metadata?.['uid'])}`);
    const { object, deleteNow } = options.internal === true
      ? { object: body, deleteNow: false }
      : prepareUpdate(info, current.object, { ...body, metadata: { ...bodyMeta, name, ...(info.namespaced ? { namespace: ns } : {}) } }, options.subresource);
    checkValid(ctx, info, object as Obj);
    const immutables = options.internal === true ? [] : validateUpdate(info, current.object, object);
    if (immutables.length > 0) throw errors.invalid(info.kind, info.group, name, immutables);
    if (options.dryRun === true) return object as Obj;
    const finishService = info.kind === 'Service' && options.subresource === undefined ? await serviceUpdate(ctx, current.object, object as Obj) : async () => {};
    const k = key(ctx, info, ns, name);
    if (deleteNow) {
      const rev = await ctx.storage.delete(k, current.revision);
      if (rev !== undefined) {
        if (info.kind === 'Service') await release(ctx, heldBy(ctx, current.object));
        return { ...(object as Obj), metadata: { ...((object as Obj).metadata ?? {}), resourceVersion: String(rev) } };
      }
    } else {
      const updated = await ctx.storage.update(k, object as Obj, current.revision);
      if (updated !== undefined) {
        await finishService();
        return updated;
      }
    }
    if (precondition !== undefined || attempt > 20) throw errors.conflict(info.resource, info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
}

export function updateObject(ctx: ApiContext, info: ResourceInfo, ns: string, name: string, body: unknown, options: WriteOptions = {}): Promise<Obj> {
  if (!isObj(body)) throw errors.badRequest('the body of the request must be a JSON object');
  return writeObject(ctx, info, ns, name, () => structuredClone(body), options);
}

export function patchObject(ctx: ApiContext, info: ResourceInfo, ns: string, name: string, kind: PatchKind, patch: unknown, options: WriteOptions = {}): Promise<Obj> {
  return writeObject(ctx, info, ns, name, (current) => {
    const patched = applyPatch(kind, current, patch);
    if (!isObj(patched)) throw errors.badRequest('the patch did not produce a JSON object');
    // A patch that does not name a resourceVersion applies to whatever is current.
    const patchMeta = isObj(patch) && isObj(patch['metadata']) ? patch['metadata'] : {};
    const pm = (patched.metadata ??= {});
    if (kind !== 'json' && patchMeta['resourceVersion'] === undefined) delete pm['resourceVersion'];
    if (kind === 'json' && pm['resourceVersion'] === current.metadata?.['resourceVersion']) delete pm['resourceVersion'];
    return patched;
  }, options);
}

export async function deleteObject(ctx: ApiContext, info: ResourceInfo, ns: string, name: string, options: DeleteOptionsBody, dryRun = false): Promise<Obj | Status> {
  if (info.storedAs !== undefined) {
    const out = await deleteObject(ctx, storageOf(info), ns, name, options, dryRun);
    return (out as { kind?: unknown }).kind === 'Status' ? out : fromStorage(info, out as Obj);
  }
  for (let attempt = 0; ; attempt++) {
    const current = await getStored(ctx, info, ns, name);
    const pre = options.preconditions ?? {};
    if (pre.uid !== undefined && pre.uid !== current.object.metadata?.['uid'])
      throw errors.conflict(info.resource, info.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(current.object.metadata?.['uid'])}`);
    if (pre.resourceVersion !== undefined && Number(pre.resourceVersion) !== current.revision)
      throw errors.conflict(info.resource, info.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.revision}`);
    const decision = prepareDelete(info, current.object, options, ctx.clock);
    const k = key(ctx, info, ns, name);
    if (dryRun) return decision.action === 'update' ? (decision.object as Obj) : current.object;
    if (decision.action === 'delete') {
      const rev = await ctx.storage.delete(k, current.revision);
      if (rev !== undefined) {
        if (info.kind === 'Service') await release(ctx, heldBy(ctx, current.object));
        // Pods answer with the deleted object (upstream ReturnDeletedObject), others with Status.
        if (info.kind === 'Pod') return { ...current.object, metadata: { ...(current.object.metadata ?? {}), resourceVersion: String(rev) } };
        return success({ name, group: info.group, kind: info.resource, uid: String(current.object.metadata?.['uid'] ?? '') });
      }
    } else {
      const same = JSON.stringify(decision.object) === JSON.stringify(current.object);
      if (same) return current.object;
      const updated = await ctx.storage.update(k, decision.object as Obj, current.revision);
      if (updated !== undefined) return updated;
    }
    if (attempt > 20) throw errors.conflict(info.resource, info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
}
