/**
 * Conversion between a view resource and the resource it is stored as. The only view is
 * events.k8s.io/v1 Event over core/v1 Event: upstream keeps one storage (/registry/events)
 * for both groups and converts through the internal type, so an Event the scheduler writes
 * through events.k8s.io is listed by `kubectl get events` (core/v1) and the other way round.
 * Field pairs follow k8s.io/kubernetes pkg/apis/events/v1 zz_generated conversion:
 * regarding=involvedObject, note=message, reportingController=reportingComponent,
 * deprecatedSource=source, deprecatedFirstTimestamp=firstTimestamp,
 * deprecatedLastTimestamp=lastTimestamp, deprecatedCount=count; the rest share names.
 */
import { groupVersion, type ResourceInfo } from './resource-table.ts';

type Obj = Record<string, unknown>;

/** [events.k8s.io/v1 name, core/v1 name] */
const EVENT_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

function rename(o: Obj, pairs: ReadonlyArray<readonly [string, string]>): Obj {
  const out: Obj = {};
  const map = new Map(pairs);
  for (const [k, v] of Object.entries(o)) out[map.get(k) ?? k] = v;
  return out;
}

function isEventsView(info: ResourceInfo): boolean {
  return info.group === 'events.k8s.io' && info.resource === 'events';
}

/** A body in the view's shape, in the stored resource's shape (apiVersion included). */
export function toStorage(info: ResourceInfo, o: unknown): unknown {
  if (info.storedAs === undefined || typeof o !== 'object' || o === null || Array.isArray(o)) return o;
  if (!isEventsView(info)) return o;
  const out = rename(o as Obj, EVENT_FIELDS);
  if (out['apiVersion'] !== undefined) out['apiVersion'] = 'v1';
  return out;
}

/** A stored object in the view's shape (apiVersion and kind of the view). */
export function fromStorage(info: ResourceInfo, o: Obj): Obj {
  if (info.storedAs === undefined || !isEventsView(info)) return o;
  const out = rename(o, EVENT_FIELDS.map(([a, b]) => [b, a] as const));
  out['apiVersion'] = groupVersion(info);
  out['kind'] = info.kind;
  return out;
}
