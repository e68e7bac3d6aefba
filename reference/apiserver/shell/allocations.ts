/**
 * ClusterIP and NodePort allocation shared by every apiserver on one etcd: each allocated
 * value is its own key, created only if absent (txn on createRevision = 0), so two
 * instances can never hand out the same address or port.
 */
import { inCidr, ipCandidates, portCandidates } from '../core/allocator.ts';
import { errors } from '../core/status.ts';
import type { ApiContext } from './context.ts';
import type { Obj } from './storage.ts';

function ipKey(ctx: ApiContext, ip: string): string {
  return `${ctx.prefix}/ranges/serviceips/${ip}`;
}
function portKey(ctx: ApiContext, port: number): string {
  return `${ctx.prefix}/ranges/servicenodeports/${port}`;
}

async function claim(ctx: ApiContext, key: string, owner: string): Promise<boolean> {
  const res = await ctx.etcd.txn([{ key, target: 'createRevision', result: 'equal', value: 0 }], [{ put: { key, value: owner } }], []);
  return res.succeeded;
}

async function used(ctx: ApiContext, prefix: string): Promise<Set<string>> {
  const res = await ctx.etcd.range(prefix, { prefix: true, keysOnly: true });
  return new Set(res.kvs.map((kv) => kv.key.slice(prefix.length)));
}

export interface Allocation {
  keys: string[];
}

/** Allocates what a new Service needs and writes it into the object; returns the keys held. */
export async function allocateForService(ctx: ApiContext, svc: Obj): Promise<Allocation> {
  const spec = (svc['spec'] ?? {}) as Record<string, unknown>;
  const meta = svc.metadata ?? {};
  const owner = `${String(meta['namespace'])}/${String(meta['name'])}`;
  const held: string[] = [];
  try {
    const type = spec['type'];
    if (type !== 'ExternalName' && spec['clusterIP'] !== 'None') {
      const requested = spec['clusterIP'];
      if (typeof requested === 'string' && requested !== '') {
        if (!inCidr(ctx.serviceCidr, requested)) throw errors.invalid('Service', '', String(meta['name']), [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${requested}"]: failed to allocate IP ${requested}: provided IP is not in the valid range` }]);
        if (!(await claim(ctx, ipKey(ctx, requested), owner))) throw errors.invalid('Service', '', String(meta['name']), [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${requested}"]: failed to allocate IP ${requested}: provided IP is already allocated` }]);
        held.push(ipKey(ctx, requested));
      } else {
        const taken = await used(ctx, `${ctx.prefix}/ranges/serviceips/`);
        let got: string | undefined;
        for (const ip of ipCandidates(ctx.serviceCidr, taken, Math.floor(ctx.random() * ctx.serviceCidr.size))) {
          if (await claim(ctx, ipKey(ctx, ip), owner)) {
            got = ip;
            break;
          }
        }
        if (got === undefined) throw errors.serviceUnavailable('failed to allocate a serviceIP');
        held.push(ipKey(ctx, got));
        spec['clusterIP'] = got;
      }
      spec['clusterIPs'] = [spec['clusterIP']];
    }
    if (type === 'NodePort' || type === 'LoadBalancer') {
      const ports = Array.isArray(spec['ports']) ? (spec['ports'] as Array<Record<string, unknown>>) : [];
      for (const [i, p] of ports.entries()) {
        const requested = p['nodePort'];
        if (typeof requested === 'number' && requested !== 0) {
          if (!(await claim(ctx, portKey(ctx, requested), owner))) throw errors.invalid('Service', '', String(meta['name']), [{ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${requested}: provided port is already allocated` }]);
          held.push(portKey(ctx, requested));
          continue;
        }
        const taken = new Set([...(await used(ctx, `${ctx.prefix}/ranges/servicenodeports/`))].map(Number));
        const size = ctx.nodePortRange[1] - ctx.nodePortRange[0] + 1;
        let got: number | undefined;
        for (const port of portCandidates(ctx.nodePortRange, taken, Math.floor(ctx.random() * size))) {
          if (await claim(ctx, portKey(ctx, port), owner)) {
            got = port;
            break;
          }
        }
        if (got === undefined) throw errors.serviceUnavailable('failed to allocate a nodePort');
        held.push(portKey(ctx, got));
        p['nodePort'] = got;
      }
    }
    return { keys: held };
  } catch (e) {
    await release(ctx, { keys: held });
    throw e;
  }
}

export async function release(ctx: ApiContext, allocation: Allocation): Promise<void> {
  for (const key of allocation.keys) await ctx.etcd.delete(key).catch(() => undefined);
}

/** The allocation keys a stored Service holds. */
export function heldBy(ctx: ApiContext, svc: Obj): Allocation {
  const spec = (svc['spec'] ?? {}) as Record<string, unknown>;
  const keys: string[] = [];
  if (typeof spec['clusterIP'] === 'string' && spec['clusterIP'] !== '' && spec['clusterIP'] !== 'None') keys.push(ipKey(ctx, spec['clusterIP']));
  for (const p of Array.isArray(spec['ports']) ? (spec['ports'] as Array<Record<string, unknown>>) : []) if (typeof p['nodePort'] === 'number') keys.push(portKey(ctx, p['nodePort']));
  return { keys };
}
