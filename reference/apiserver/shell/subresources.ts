/**
 * Subresources with their own shapes: pods/binding (the scheduler's only way to place a
 * pod, S4.2), pods/eviction, <workload>/scale (autoscaling/v1 Scale) and pods/log (proxied
 * to the kubelet that runs the pod).
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type ServerResponse } from 'node:http';
import { applyPatch, type PatchKind } from '../core/patch.ts';
import type { ResourceInfo } from '../core/resource-table.ts';
import { errors, success, type Status } from '../core/status.ts';
import type { ApiContext } from './context.ts';
import { deleteObject, getObject, writeObject } from './registry.ts';
import type { Obj } from './storage.ts';
import { findResource } from '../core/resource-table.ts';

type R = Record<string, unknown>;
const PODS = findResource('', 'v1', 'pods') as ResourceInfo;
const NODES = findResource('', 'v1', 'nodes') as ResourceInfo;

export async function bindPod(ctx: ApiContext, ns: string, name: string, body: unknown): Promise<Status> {
  const b = (body ?? {}) as R;
  const target = (b['target'] ?? {}) as R;
  const node = target['name'];
  if (typeof node !== 'string' || node === '') throw errors.invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  await writeObject(ctx, PODS, ns, name, (pod) => {
    const spec = (pod['spec'] ?? {}) as R;
    if (pod.metadata?.['deletionTimestamp'] !== undefined) throw errors.conflict('pods', '', name, 'pod is being deleted, cannot be assigned to a host');
    if (typeof spec['nodeName'] === 'string' && spec['nodeName'] !== '') throw errors.conflict('pods', '', name, `pod ${name} is already assigned to node "${spec['nodeName']}"`);
    spec['nodeName'] = node;
    pod['spec'] = spec;
    // Binding also records PodScheduled=True, as upstream's BindingREST does.
    const status = (pod['status'] ?? {}) as R;
    const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []) as R[];
    const rest = conditions.filter((c) => c['type'] !== 'PodScheduled');
    status['conditions'] = [...rest, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ctx.clock.nowIso() }];
    pod['status'] = status;
    delete pod.metadata?.['resourceVersion'];
    return pod;
  }, { internal: true });
  return { ...success(), code: 201 };
}

export async function evictPod(ctx: ApiContext, ns: string, name: string, body: unknown): Promise<Status> {
  const b = (body ?? {}) as R;
  const options = (b['deleteOptions'] ?? {}) as R;
  await deleteObject(ctx, PODS, ns, name, {
    ...(typeof options['gracePeriodSeconds'] === 'number' ? { gracePeriodSeconds: options['gracePeriodSeconds'] } : {}),
  });
  return { ...success(), code: 201 };
}

/** Scale.status.selector: a label selector string; a ReplicationController's selector is a plain map. */
function selectorString(kind: string, spec: R): string {
  const sel = (spec['selector'] ?? {}) as { matchLabels?: Record<string, string> };
  const labels = kind === 'ReplicationController' ? (sel as Record<string, string>) : (sel.matchLabels ?? {});
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

function scaleOf(info: ResourceInfo, o: Obj): unknown {
  const spec = (o['spec'] ?? {}) as R;
  const status = (o['status'] ?? {}) as R;
  const m = o.metadata ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m['name'], namespace: m['namespace'], uid: m['uid'], resourceVersion: m['resourceVersion'], creationTimestamp: m['creationTimestamp'] },
    spec: { replicas: spec['replicas'] ?? 0 },
    status: { replicas: status['replicas'] ?? 0, selector: selectorString(info.kind, spec) },
  };
}

export async function getScale(ctx: ApiContext, info: ResourceInfo, ns: string, name: string): Promise<unknown> {
  return scaleOf(info, await getObject(ctx, info, ns, name));
}

export async function writeScale(ctx: ApiContext, info: ResourceInfo, ns: string, name: string, body: unknown, patchKind?: PatchKind): Promise<unknown> {
  const updated = await writeObject(ctx, info, ns, name, (current) => {
    const scale = scaleOf(info, current) as R;
    const next = (patchKind === undefined ? body : applyPatch(patchKind, scale, body)) as R;
    const replicas = ((next['spec'] ?? {}) as R)['replicas'];
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) throw errors.invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    const rv = ((next['metadata'] ?? {}) as R)['resourceVersion'];
    (current['spec'] as R)['replicas'] = replicas;
    if (patchKind !== undefined || rv === undefined) delete current.metadata?.['resourceVersion'];
    else (current.metadata ??= {})['resourceVersion'] = rv;
    return current;
  });
  return scaleOf(info, updated);
}

/** Proxies GET pods/<name>/log to the kubelet's server named in the Node's status. */
export async function proxyLog(ctx: ApiContext, ns: string, name: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const pod = await getObject(ctx, PODS, ns, name);
  const spec = (pod['spec'] ?? {}) as R;
  const nodeName = spec['nodeName'];
  if (typeof nodeName !== 'string' || nodeName === '') throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const containers = (Array.isArray(spec['containers']) ? spec['containers'] : []) as R[];
  const container = query.get('container') ?? (containers.length === 1 ? String(containers[0]?.['name']) : undefined);
  if (container === undefined) throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => String(c['name'])).join(' ')}]`);
  if (!containers.some((c) => c['name'] === container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  const node = await getObject(ctx, NODES, '', nodeName).catch(() => undefined);
  const status = (node?.['status'] ?? {}) as R;
  const port = (((status['daemonEndpoints'] ?? {}) as R)['kubeletEndpoint'] as R | undefined)?.['Port'];
  const addresses = (Array.isArray(status['addresses']) ? status['addresses'] : []) as R[];
  const address = (addresses.find((a) => a['type'] === 'InternalIP') ?? addresses[0])?.['address'];
  if (typeof port !== 'number' || port === 0 || typeof address !== 'string') throw errors.serviceUnavailable(`the kubelet of node ${nodeName} serves no logs (no daemonEndpoints.kubeletEndpoint)`);
  const forward = new URLSearchParams();
  for (const k of ['follow', 'tailLines', 'timestamps', 'previous', 'sinceSeconds', 'limitBytes']) {
    const v = query.get(k);
    if (v !== null) forward.set(k, v);
  }
  const path = `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${forward.toString()}`;
  await new Promise<void>((resolve, reject) => {
    const attempt = (secure: boolean): void => {
      const req = (secure ? httpsRequest : httpRequest)({ host: address, port, path, method: 'GET', rejectUnauthorized: false, timeout: 10000 }, (up) => {
        res.writeHead(up.statusCode ?? 502, { 'Content-Type': up.headers['content-type'] ?? 'text/plain', 'Transfer-Encoding': 'chunked' });
        up.pipe(res);
        up.on('end', resolve);
        res.on('close', () => up.destroy());
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (secure && (e.code === 'EPROTO' || /wrong version number|SSL/i.test(e.message))) attempt(false);
        else reject(errors.serviceUnavailable(`cannot reach the kubelet of node ${nodeName} at ${address}:${port}: ${e.message}`));
      });
      req.end();
    };
    attempt(true);
  });
}
