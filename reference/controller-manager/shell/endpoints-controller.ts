/**
 * Endpoints and EndpointSlice controllers' shell: Services and Pods enqueue Service keys;
 * each sync writes the Endpoints object named after the Service and the Service's managed
 * EndpointSlices (one per port group, owned by the Service so GC removes them).
 */
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { keyOf, POD, type Pod } from '../../client-machinery/core/api-types.ts';
import { mapSelectorMatches } from '../../client-machinery/core/label-selector.ts';
import { runWorkers, WorkQueue } from '../../client-machinery/shell/work-queue.ts';
import type { Action } from '../core/actions.ts';
import { desiredSlices, desiredSubsets, MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../core/endpoints.ts';
import { canonicalJson } from '../core/template-hash.ts';
import type { Service } from '../core/workload-types.ts';
import type { ControllerContext } from './controller-context.ts';

export const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;
export const ENDPOINTS = { apiVersion: 'v1', kind: 'Endpoints' } as const;
export const ENDPOINT_SLICE = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' } as const;

interface Endpoints extends KubeObject {
  subsets?: unknown[];
}

interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints: unknown[];
  ports: unknown[];
}

export function startEndpointsController(ctx: ControllerContext, workers = 2): { run(): Promise<void>; stop(): void } {
  const services = ctx.informer<Service>(SERVICE);
  const pods = ctx.informer<Pod>(POD);
  const endpoints = ctx.informer<Endpoints>(ENDPOINTS);
  const slices = ctx.informer<EndpointSlice>(ENDPOINT_SLICE);
  const queue = new WorkQueue();

  const forPod = (pod: Pod, old?: Pod): void => {
    for (const svc of services.list(pod.metadata.namespace)) {
      const sel = svc.spec.selector;
      if (sel === undefined || Object.keys(sel).length === 0) continue;
      if (mapSelectorMatches(sel, pod.metadata.labels) || (old !== undefined && mapSelectorMatches(sel, old.metadata.labels))) queue.add(keyOf(svc));
    }
  };
  services.addHandler({ onAdd: (s) => queue.add(keyOf(s)), onUpdate: (_, s) => queue.add(keyOf(s)), onDelete: (s) => queue.add(keyOf(s)) });
  pods.addHandler({ onAdd: (p) => forPod(p), onUpdate: (o, p) => forPod(p, o), onDelete: (p) => forPod(p) });
  endpoints.addHandler({ onDelete: (e) => queue.add(keyOf(e)) });
  slices.addHandler({ onDelete: (s) => { const svc = s.metadata.labels?.[SERVICE_NAME_LABEL]; if (svc !== undefined) queue.add(`${s.metadata.namespace ?? ''}/${svc}`); } });

  const sync = async (key: string): Promise<void> => {
    const [namespace = '', name = ''] = key.split('/');
    const svc = services.get(key);
    const existing = endpoints.get(key);
    const ownSlices = slices.list(namespace).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
    const actions: Action[] = [];
    const selector = svc?.spec.selector;
    if (svc === undefined || selector === undefined || Object.keys(selector).length === 0) {
      // Service gone (or selector-less and user-managed): remove what we manage.
      if (svc === undefined && existing !== undefined) actions.push({ type: 'delete', key: { ...ENDPOINTS, name, namespace } });
      for (const s of ownSlices) actions.push({ type: 'delete', key: { ...ENDPOINT_SLICE, name: s.metadata.name ?? '', namespace } });
      await ctx.apply(actions);
      return;
    }
    const namespacePods = pods.list(namespace);
    const subsets = desiredSubsets(svc, namespacePods);
    const labels = { ...(svc.metadata.labels ?? {}) };
    if (existing === undefined) {
      actions.push({ type: 'create', object: { ...ENDPOINTS, metadata: { name, namespace, labels }, subsets } });
    } else if (canonicalJson(existing.subsets ?? []) !== canonicalJson(subsets)) {
      actions.push({ type: 'update', object: { ...existing, apiVersion: ENDPOINTS.apiVersion, kind: ENDPOINTS.kind, subsets } });
    }
    const wanted = desiredSlices(svc, namespacePods);
    // A Service with no endpoints still gets one (empty) slice, as upstream.
    if (wanted.length === 0) wanted.push({ addressType: 'IPv4', endpoints: [], ports: [] });
    const owner = { apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
    const sliceLabels = { ...labels, [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
    wanted.forEach((body, i) => {
      const current = ownSlices[i];
      if (current === undefined) {
        actions.push({ type: 'create', object: { ...ENDPOINT_SLICE, metadata: { generateName: `${name}-`, namespace, labels: sliceLabels, ownerReferences: [owner] }, ...body } });
      } else if (canonicalJson({ a: current.addressType, e: current.endpoints ?? [], p: current.ports ?? [] }) !== canonicalJson({ a: body.addressType, e: body.endpoints, p: body.ports })) {
        actions.push({ type: 'update', object: { ...current, apiVersion: ENDPOINT_SLICE.apiVersion, kind: ENDPOINT_SLICE.kind, metadata: { ...current.metadata, labels: sliceLabels }, ...body } });
      }
    });
    for (const extra of ownSlices.slice(wanted.length)) actions.push({ type: 'delete', key: { ...ENDPOINT_SLICE, name: extra.metadata.name ?? '', namespace } });
    await ctx.apply(actions);
  };
  return { run: () => runWorkers(queue, workers, sync, ctx.log), stop: () => queue.shutDown() };
}
