/**
 * The three patch formats of PATCH requests: JSON merge patch (RFC 7386), JSON patch
 * (RFC 6902) and Kubernetes strategic merge patch for the common cases (lists of objects
 * merged by their merge key, primitive-list directives, $patch directives). Errors are
 * StatusErrors (400/422), never exceptions of another kind.
 */
import { StatusError, errors, failure } from './status.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v) as Json;
  }
  return out;
}

// ---- JSON patch ----

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw errors.badRequest(`invalid JSON pointer: ${String(path)}`);
  return path === '' ? [] : path.slice(1).split('/').map(unescape);
}

function parentOf(doc: Json, tokens: string[]): { parent: Json; last: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)] as Json;
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t] as Json;
    else throw errors.badRequest(`the server rejected our request due to an error in our request: doc is missing path: /${tokens.join('/')}`);
    if (cur === undefined) throw errors.badRequest(`doc is missing path: /${tokens.join('/')}`);
  }
  return { parent: cur, last: tokens[tokens.length - 1] ?? '' };
}

function arrayIndex(arr: Json[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw errors.badRequest(`invalid array index: ${token}`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw errors.badRequest(`array index out of bounds: ${token}`);
  return i;
}

function getAt(doc: Json, tokens: string[]): Json {
  if (tokens.length === 0) return doc;
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, false)] as Json;
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) return parent[last] as Json;
  throw errors.badRequest(`doc is missing path: /${tokens.join('/')}`);
}

function removeAt(doc: Json, tokens: string[]): Json {
  if (tokens.length === 0) throw errors.badRequest('cannot remove the whole document');
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, false), 1)[0] as Json;
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
    const v = parent[last] as Json;
    delete parent[last];
    return v;
  }
  throw errors.badRequest(`the server rejected our request due to an error in our request: unable to remove nonexistent key: ${last}: missing value`);
}

function addAt(doc: Json, tokens: string[], value: Json): Json {
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw errors.badRequest(`doc is missing path: /${tokens.join('/')}`);
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw errors.badRequest('json patch must be an array of operations');
  let doc = clone(target) as Json;
  for (const op of ops) {
    if (!isObject(op)) throw errors.badRequest('json patch operation must be an object');
    const path = pointer(op['path']);
    switch (op['op']) {
      case 'add':
        if (!('value' in op)) throw errors.badRequest('add operation does not have a value');
        doc = addAt(doc, path, clone(op['value'] as Json));
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'replace':
        if (!('value' in op)) throw errors.badRequest('replace operation does not have a value');
        if (path.length === 0) doc = clone(op['value'] as Json);
        else {
          removeAt(doc, path);
          doc = addAt(doc, path, clone(op['value'] as Json));
        }
        break;
      case 'move': {
        const v = removeAt(doc, pointer(op['from']));
        doc = addAt(doc, path, v);
        break;
      }
      case 'copy':
        doc = addAt(doc, path, clone(getAt(doc, pointer(op['from']))));
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op['value']))
          throw new StatusError(failure(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${String(op['path'])} failed`));
        break;
      default:
        throw errors.badRequest(`Unexpected kind: ${String(op['op'])}`);
    }
  }
  return doc;
}

// ---- strategic merge patch ----

/**
 * Merge keys of the list fields that upstream declares patchStrategy=merge on. Every other
 * list is replaced whole, e.g. a Node's taints and a Pod's tolerations: two taints may share a
 * key (unreachable NoSchedule and NoExecute), so merging them by key would lose one.
 */
const MERGE_KEYS: Record<string, readonly string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  ports: ['containerPort', 'port'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  hostAliases: ['ip'],
  addresses: ['type'],
  subsets: [],
};
/** Primitive lists that merge as sets. */
const SET_LISTS = new Set(['finalizers']);

function mergeKeyFor(field: string, items: Json[]): string | undefined {
  const keys = MERGE_KEYS[field];
  if (keys === undefined) return undefined;
  return keys.find((k) => items.some((i) => isObject(i) && k in i)) ?? keys[0];
}

function strategicList(field: string, original: Json[], patch: Json[]): Json[] {
  if (SET_LISTS.has(field)) {
    const out = [...original];
    for (const v of patch) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(v);
    return out;
  }
  const key = mergeKeyFor(field, [...patch, ...original]);
  if (key === undefined || !patch.every(isObject)) return clone(patch);
  if (patch.some((p) => isObject(p) && p['$patch'] === 'replace')) return patch.filter((p) => !(isObject(p) && p['$patch'] === 'replace')).map(clone);
  const out = original.map(clone);
  for (const item of patch as JsonObject[]) {
    const idx = out.findIndex((o) => isObject(o) && o[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMerge(out[idx], item) as Json;
    else out.push(strategicMerge({}, item) as Json);
  }
  return out;
}

export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') {
    const rest = { ...patch };
    delete rest['$patch'];
    return clone(rest);
  }
  if (patch['$patch'] === 'delete') return undefined;
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.some((d) => JSON.stringify(d) === JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v)) out[k] = strategicList(k, Array.isArray(cur) ? cur : [], v);
    else if (isObject(v)) {
      const merged = strategicMerge(cur, v);
      if (merged === undefined) delete out[k];
      else out[k] = merged as Json;
    } else out[k] = v;
  }
  // $retainKeys: keep only the listed keys (used by kubectl for union fields like strategy).
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

/**
 * 'apply' is server-side apply (application/apply-patch+yaml). Without managed fields this
 * server applies the configuration as a strategic merge onto the live object (creating it
 * when absent): fields the applier sets win, fields it stops setting are not removed. That is
 * what the upstream controller-manager's appliers (ServiceCIDR status, ClusterRole
 * aggregation) need; conflicts between field managers are not detected.
 */
export type PatchKind = 'merge' | 'json' | 'strategic' | 'apply';

export function patchKindOf(contentType: string): PatchKind | undefined {
  const t = contentType.split(';')[0]?.trim().toLowerCase();
  if (t === 'application/apply-patch+yaml' || t === 'application/apply-patch+cbor') return t.endsWith('yaml') ? 'apply' : undefined;
  if (t === 'application/merge-patch+json') return 'merge';
  if (t === 'application/json-patch+json') return 'json';
  if (t === 'application/strategic-merge-patch+json') return 'strategic';
  return undefined;
}

export function applyPatch(kind: PatchKind, target: unknown, patch: unknown): unknown {
  if (kind === 'json') return jsonPatch(target, patch);
  if (!isObject(patch)) throw errors.badRequest('patch body must be a JSON object');
  if (kind === 'apply') {
    const body = clone(patch);
    const m = body['metadata'];
    // managedFields are the server's; an applier may not send them.
    if (isObject(m)) delete m['managedFields'];
    return strategicMerge(target, body);
  }
  return kind === 'merge' ? mergePatch(target, patch) : strategicMerge(target, patch);
}
