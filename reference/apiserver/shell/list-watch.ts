/**
 * list (with label/field selectors and limit/continue chunking, read from etcd at one
 * revision) and watch (served from the watch cache, newline-delimited JSON events over a
 * chunked response, selector transitions as ADDED/DELETED, BOOKMARKs, 410 on expiry).
 */
import type { ServerResponse } from 'node:http';
import { matchesFields, parseFieldSelector, type FieldRequirement } from '../core/field-selector.ts';
import { matchesLabels, parseLabelSelector, type Selector } from '../core/label-selector.ts';
import { fromStorage } from '../core/conversion.ts';
import { groupVersion, storageOf, storagePrefix, type ResourceInfo } from '../core/resource-table.ts';
import { errors, type Status } from '../core/status.ts';
import { cacheFor, type ApiContext } from './context.ts';
import type { Obj } from './storage.ts';
import type { CacheEvent } from './watch-cache.ts';

export interface Filter {
  labels: Selector;
  fields: FieldRequirement[];
}

export function parseFilter(info: ResourceInfo, query: URLSearchParams): Filter {
  return { labels: parseLabelSelector(query.get('labelSelector') ?? ''), fields: parseFieldSelector(query.get('fieldSelector') ?? '', info.kind) };
}

export function matches(filter: Filter, o: Obj): boolean {
  return matchesLabels(filter.labels, o.metadata?.['labels'] as Record<string, string> | undefined) && matchesFields(filter.fields, o);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof t.rv === 'number' && typeof t.start === 'string') return { rv: t.rv, start: t.start };
  } catch {
    // fall through
  }
  throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export async function listObjects(ctx: ApiContext, view: ResourceInfo, ns: string, query: URLSearchParams): Promise<Obj> {
  const info = storageOf(view);
  const filter = parseFilter(info, query);
  const prefix = storagePrefix(ctx.prefix, info, ns === '' ? undefined : ns);
  const limitText = query.get('limit');
  const limit = limitText === null || limitText === '' ? 0 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0) throw errors.badRequest(`invalid limit: ${limitText ?? ''}`);
  const cont = query.get('continue');
  let revision = 0;
  let start: string | undefined;
  if (cont !== null && cont !== '') {
    const t = decodeContinue(cont);
    revision = t.rv;
    start = t.start;
  }
  const items: Obj[] = [];
  let next: string | undefined;
  // Fill the page from etcd pages until `limit` items matched (upstream does the same).
  for (;;) {
    const page = await ctx.storage.listPage(prefix, { revision, ...(start !== undefined ? { start } : {}), ...(limit > 0 ? { limit: Math.max(limit - items.length, 1) + 1 } : {}) });
    revision = page.revision;
    let lastKey: string | undefined;
    for (const [i, o] of page.items.entries()) {
      if (limit > 0 && items.length === limit) {
        next = page.keys[i];
        break;
      }
      lastKey = page.keys[i];
      if (matches(filter, o)) items.push(o);
    }
    if (next !== undefined || !page.more || lastKey === undefined) break;
    if (limit > 0 && items.length === limit) {
      next = `${lastKey}\0`;
      break;
    }
    start = `${lastKey}\0`;
  }
  const metadata: Record<string, unknown> = { resourceVersion: String(revision) };
  if (next !== undefined) metadata['continue'] = encodeContinue({ rv: revision, start: next });
  return { apiVersion: groupVersion(view), kind: `${view.kind}List`, metadata, items: items.map((o) => fromStorage(view, { apiVersion: groupVersion(info), kind: info.kind, ...o })) };
}

function frame(type: string, object: unknown): string {
  return `${JSON.stringify({ type, object })}\n`;
}

/**
 * How an event's object is sent: as itself, as a one-row Table for `kubectl get -w`, or as
 * PartialObjectMetadata for metadata informers; bookmarks take the same form.
 */
export interface Presenter {
  event: (object: Obj) => unknown;
  bookmark: (mark: Obj) => unknown;
}

export function serveWatch(ctx: ApiContext, view: ResourceInfo, ns: string, name: string, query: URLSearchParams, res: ServerResponse, presenter?: Presenter): void {
  const info = storageOf(view);
  // A view's events carry the view's shape, then whatever the caller presents (Table rows).
  const shape = (o: Obj): Obj => (view === info ? o : fromStorage(view, o));
  const present = (o: Obj): unknown => (presenter === undefined ? shape(o) : presenter.event(shape(o)));
  const filter = parseFilter(info, query);
  if (name !== '') filter.fields.push({ field: 'metadata.name', op: '=', value: name });
  const cache = cacheFor(ctx, info);
  const prefix = storagePrefix(ctx.prefix, info, ns === '' ? undefined : ns);
  const rvText = query.get('resourceVersion') ?? '';
  if (rvText !== '' && !/^\d+$/.test(rvText)) throw errors.badRequest(`invalid resource version: ${rvText}`);
  const fromRevision = rvText === '' || rvText === '0' ? undefined : Number(rvText);
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const timeout = Number(query.get('timeoutSeconds') ?? '0');

  const queue: string[] = [];
  let lastRevision = fromRevision ?? cache.current;
  const send = (e: CacheEvent): void => {
    if (!e.key.startsWith(prefix) || (fromRevision !== undefined && e.revision <= fromRevision)) return;
    const now = e.type !== 'DELETED' && matches(filter, e.object);
    const before = e.previous !== undefined && matches(filter, e.previous);
    let type: string | undefined;
    if (e.type === 'DELETED') type = before ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (type === undefined) return;
    lastRevision = Math.max(lastRevision, e.revision);
    const full = { apiVersion: groupVersion(info), kind: info.kind, ...e.object };
    queue.push(frame(type, present(full)));
  };

  let closed = false;
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    if (closed || queue.length === 0) return;
    res.write(queue.join(''));
    queue.length = 0;
  };
  const schedule = (): void => {
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };

  const subscription = cache.subscribe(fromRevision, (e) => {
    if (closed) return;
    if (e === 'expired') {
      const status: Status = errors.gone('the watch cache was reset; too old resource version').status;
      queue.push(frame('ERROR', status));
      flush();
      end();
      return;
    }
    send(e);
    schedule();
  });

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  // Clients wait for the headers before they treat the watch as established.
  res.flushHeaders();
  if (fromRevision === undefined) {
    for (const { key, object, revision } of cache.snapshot(prefix)) {
      if (!matches(filter, object)) continue;
      void key;
      lastRevision = Math.max(lastRevision, revision);
      const full = { apiVersion: groupVersion(info), kind: info.kind, ...object };
      queue.push(frame('ADDED', present(full)));
    }
  } else for (const e of subscription.replay) send(e);
  flush();

  const timers: NodeJS.Timeout[] = [];
  if (bookmarks) {
    timers.push(
      setInterval(() => {
        const rv = Math.max(lastRevision, cache.current);
        lastRevision = rv;
        const mark = { apiVersion: groupVersion(view), kind: view.kind, metadata: { resourceVersion: String(rv) } };
        queue.push(frame('BOOKMARK', presenter === undefined ? mark : presenter.bookmark(mark)));
        flush();
      }, ctx.bookmarkIntervalMs),
    );
  }
  if (Number.isFinite(timeout) && timeout > 0) timers.push(setTimeout(() => end(), timeout * 1000));
  function end(): void {
    if (closed) return;
    closed = true;
    subscription.unsubscribe();
    for (const t of timers) clearTimeout(t);
    res.end();
  }
  res.on('close', end);
}
