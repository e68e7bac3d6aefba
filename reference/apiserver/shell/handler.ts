/**
 * The HTTP handler: authentication, authorization, routing to discovery, the registry,
 * list/watch and subresources. Every error leaves as a metav1.Status with its code; an
 * unexpected exception is logged and answered with a 500 Status, never a dropped socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { UserInfo } from '../core/authorizer.ts';
import type { DeleteOptionsBody } from '../core/object-lifecycle.ts';
import { patchKindOf } from '../core/patch.ts';
import { decodeKubeProtobuf, isKubeProtobuf } from '../core/protobuf-kube.ts';
import { requestInfo, type ResourceRequest } from '../core/request-info.ts';
import { toPartialObjectMetadata, toPartialObjectMetadataList, wantsPartialMetadata } from '../core/partial-metadata.ts';
import { toTable, wantsTable } from '../core/table.ts';
import { findResource, type ResourceInfo } from '../core/resource-table.ts';
import { errors, failure, isStatusError, type Status } from '../core/status.ts';
import { authenticate, type TokenTable } from './authn.ts';
import { authorize, type AuthorizationMode } from './authorize.ts';
import type { ApiContext } from './context.ts';
import { apiGroup, apiGroupList, apiVersions, openApiGroupDocument, openApiIndex, openApiV2Protobuf, resourceList, VERSION_INFO } from './discovery.ts';
import { listObjects, matches, parseFilter, serveWatch } from './list-watch.ts';
import { createObject, deleteObject, getObject, patchObject, updateObject } from './registry.ts';
import { bindPod, evictPod, getScale, proxyLog, writeScale } from './subresources.ts';
import type { Obj } from './storage.ts';

export interface HandlerOptions {
  tokens: TokenTable;
  modes: readonly AuthorizationMode[];
  advertiseAddress: string;
  ready: () => boolean;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);
const MAX_BODY = 3 * 1024 * 1024;

function send(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

function sendStatus(res: ServerResponse, status: Status): void {
  send(res, status.code, status);
}

async function readBody(req: IncomingMessage): Promise<{ text: string; json: unknown }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new (class extends Error {})('too large');
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  if ((req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf') || isKubeProtobuf(raw)) return { text: '', json: decodeKubeProtobuf(raw) };
  const text = raw.toString('utf8');
  if (text.trim() === '') return { text, json: undefined };
  if ((req.headers['content-type'] ?? '').startsWith('application/apply-patch+yaml')) {
    try {
      return { text, json: parseYaml(text) as unknown };
    } catch (e) {
      throw errors.badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
  }
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch (e) {
    throw errors.badRequest(`the server could not parse the request body: ${(e as Error).message}`);
  }
}

function deleteOptions(query: URLSearchParams, body: unknown): DeleteOptionsBody {
  const b = (typeof body === 'object' && body !== null ? body : {}) as DeleteOptionsBody;
  const out: DeleteOptionsBody = {};
  const grace = query.get('gracePeriodSeconds') ?? (b.gracePeriodSeconds !== undefined ? String(b.gracePeriodSeconds) : null);
  if (grace !== null) {
    if (!/^-?\d+$/.test(grace)) throw errors.badRequest(`invalid gracePeriodSeconds: ${grace}`);
    out.gracePeriodSeconds = Math.max(0, Number(grace));
  }
  const policy = query.get('propagationPolicy') ?? b.propagationPolicy;
  if (policy !== undefined && policy !== null) out.propagationPolicy = policy;
  if (b.orphanDependents !== undefined) out.orphanDependents = b.orphanDependents;
  if (b.preconditions !== undefined) out.preconditions = b.preconditions;
  return out;
}

export function createHandler(ctx: ApiContext, options: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  // KCK_DEBUG: one line per request answered with an error, to see what a client (an
  // upstream controller, say) asks for that this apiserver does not serve.
  const logErrors = (process.env['KCK_DEBUG'] ?? '') !== '';
  return (req, res) => {
    if (logErrors) res.on('finish', () => {
      if (res.statusCode >= 400) ctx.log(`${res.statusCode} ${req.method ?? ''} ${req.url ?? ''} accept=${req.headers.accept ?? ''} content-type=${req.headers['content-type'] ?? ''}`);
    });
    handle(ctx, options, req, res).catch((e: unknown) => {
      if (isStatusError(e)) sendStatus(res, e.status);
      else if (e instanceof Error && e.message === 'too large') sendStatus(res, failure(413, 'RequestEntityTooLarge', 'the request body is too large'));
      else {
        ctx.log(`internal error on ${req.method ?? ''} ${req.url ?? ''}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        sendStatus(res, failure(500, 'InternalError', `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  };
}

async function handle(ctx: ApiContext, options: HandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://apiserver');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (PUBLIC_PATHS.has(path) || path.startsWith('/readyz/') || path.startsWith('/livez/') || path.startsWith('/healthz/')) {
    if (path.startsWith('/version')) return send(res, 200, VERSION_INFO);
    const etcdOk = options.ready();
    const ok = path.startsWith('/readyz') || path.startsWith('/healthz') ? etcdOk : true;
    const kind = path.split('/')[1] ?? 'healthz';
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    // ?verbose lists the checks one per line, as upstream does.
    if (url.searchParams.has('verbose')) res.end(`[+]ping ok\n[${etcdOk ? '+' : '-'}]etcd ${etcdOk ? 'ok' : 'failed'}\n[+]informer-sync ok\n${kind} check ${ok ? 'passed' : 'failed'}\n`);
    else res.end(ok ? 'ok' : `[-]etcd failed: reason withheld\n${kind} check failed`);
    return;
  }
  const user = authenticate(req, options.tokens);
  if (user === undefined) return sendStatus(res, errors.unauthorized().status);
  const ri = requestInfo(method, path, url.searchParams);
  const { text, json } = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? await readBody(req) : { text: '', json: undefined };
  await authorize(ctx, options.modes, user, ri, json);
  if (ri.kind === 'non-resource') return nonResource(ctx, options, path, res);
  const info = findResource(ri.group, ri.version, ri.resource);
  if (info === undefined || (ri.subresource !== '' && !info.subresources.includes(ri.subresource))) throw errors.pathNotFound(`${method} ${path}`);
  if (info.namespaced !== (ri.namespace !== '') && !(info.namespaced && ri.name === '' && (ri.verb === 'list' || ri.verb === 'watch'))) throw errors.pathNotFound(`${method} ${path}`);
  await resource(ctx, user, info, ri, url.searchParams, req, res, text, json);
}

function nonResource(ctx: ApiContext, options: HandlerOptions, path: string, res: ServerResponse): void {
  const p = path.replace(/\/$/, '') || '/';
  if (p === '/api') return send(res, 200, apiVersions(options.advertiseAddress));
  if (p === '/apis') return send(res, 200, apiGroupList());
  if (p === '/openapi/v3') return send(res, 200, openApiIndex());
  if (p === '/openapi/v2') {
    const body = openApiV2Protobuf();
    res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': body.length });
    res.end(body);
    return;
  }
  if (p.startsWith('/openapi/v3/')) {
    const doc = openApiGroupDocument(p.slice('/openapi/v3/'.length));
    if (doc !== undefined) return send(res, 200, doc);
  }
  const core = /^\/api\/([^/]+)$/.exec(p);
  if (core !== null) {
    const list = resourceList('', core[1] ?? '');
    if (list !== undefined) return send(res, 200, list);
  }
  const group = /^\/apis\/([^/]+)$/.exec(p);
  if (group !== null) {
    const g = apiGroup(group[1] ?? '');
    if (g !== undefined) return send(res, 200, g);
  }
  const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
  if (gv !== null) {
    const list = resourceList(gv[1] ?? '', gv[2] ?? '');
    if (list !== undefined) return send(res, 200, list);
  }
  void ctx;
  throw errors.pathNotFound(path);
}

async function resource(ctx: ApiContext, user: UserInfo, info: ResourceInfo, ri: ResourceRequest, query: URLSearchParams, req: IncomingMessage, res: ServerResponse, text: string, body: unknown): Promise<void> {
  const ns = ri.namespace;
  const dryRun = query.getAll('dryRun').includes('All');
  const contentType = req.headers['content-type'] ?? 'application/json';
  void text;
  void user;
  switch (ri.subresource) {
    case 'binding':
      if (ri.verb !== 'create') throw errors.methodNotAllowed(req.method ?? '');
      return send(res, 201, await bindPod(ctx, ns, ri.name, body));
    case 'eviction':
      if (ri.verb !== 'create') throw errors.methodNotAllowed(req.method ?? '');
      return send(res, 201, await evictPod(ctx, ns, ri.name, body));
    case 'log':
      if (ri.verb !== 'get') throw errors.methodNotAllowed(req.method ?? '');
      return proxyLog(ctx, ns, ri.name, query, res);
    case 'scale':
      if (ri.verb === 'get') return send(res, 200, await getScale(ctx, info, ns, ri.name));
      if (ri.verb === 'update') return send(res, 200, await writeScale(ctx, info, ns, ri.name, body));
      if (ri.verb === 'patch') return send(res, 200, await writeScale(ctx, info, ns, ri.name, body, patchKind(contentType)));
      throw errors.methodNotAllowed(req.method ?? '');
  }
  const sub = ri.subresource === 'status' || ri.subresource === 'finalize' || ri.subresource === 'approval' ? ri.subresource : undefined;
  if (sub !== undefined && !['get', 'update', 'patch'].includes(ri.verb)) throw errors.methodNotAllowed(req.method ?? '');
  switch (ri.verb) {
    case 'list': {
      const list = (await listObjects(ctx, info, ns, query)) as { items: Obj[]; metadata: { resourceVersion?: string; continue?: string } };
      if (wantsPartialMetadata(req.headers.accept) !== undefined) return send(res, 200, toPartialObjectMetadataList(list as unknown as Obj));
      if (!wantsTable(req.headers.accept)) return send(res, 200, list);
      return send(res, 200, toTable(info.kind, list.items, list.metadata.resourceVersion, list.metadata.continue, ctx.clock.nowSeconds(), query.get('includeObject')));
    }
    case 'get': {
      const obj = await getObject(ctx, info, ns, ri.name);
      if (wantsPartialMetadata(req.headers.accept) !== undefined) return send(res, 200, toPartialObjectMetadata(obj));
      if (!wantsTable(req.headers.accept)) return send(res, 200, obj);
      return send(res, 200, toTable(info.kind, [obj], String(obj.metadata?.['resourceVersion'] ?? ''), undefined, ctx.clock.nowSeconds(), query.get('includeObject')));
    }
    case 'watch': {
      if (wantsPartialMetadata(req.headers.accept) !== undefined) return serveWatch(ctx, info, ns, ri.name, query, res, { event: toPartialObjectMetadata, bookmark: toPartialObjectMetadata });
      const table = wantsTable(req.headers.accept);
      const includeObject = query.get('includeObject');
      return serveWatch(ctx, info, ns, ri.name, query, res, table ? { event: (o) => toTable(info.kind, [o], String(o.metadata?.['resourceVersion'] ?? ''), undefined, ctx.clock.nowSeconds(), includeObject), bookmark: (o) => ({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {}, columnDefinitions: [], rows: [] }) } : undefined);
    }
    case 'create':
      if (ri.name !== '') throw errors.methodNotAllowed('POST');
      return send(res, 201, await createObject(ctx, info, ns, body, dryRun));
    case 'update':
      return send(res, 200, await updateObject(ctx, info, ns, ri.name, body, { subresource: sub, dryRun }));
    case 'patch': {
      const kind = patchKind(contentType);
      if (kind === 'apply') return applyObject(ctx, info, ns, ri.name, body, query, sub, dryRun, res);
      return send(res, 200, await patchObject(ctx, info, ns, ri.name, kind, body, { subresource: sub, dryRun }));
    }
    case 'delete': {
      const out = await deleteObject(ctx, info, ns, ri.name, deleteOptions(query, body), dryRun);
      return send(res, (out as { kind?: unknown }).kind === 'Status' ? 200 : 200, out);
    }
    case 'deletecollection': {
      const list = (await listObjects(ctx, info, ns, query)) as { items: Obj[] };
      const filter = parseFilter(info, query);
      const opts = deleteOptions(query, body);
      for (const item of list.items) {
        if (!matches(filter, item)) continue;
        await deleteObject(ctx, info, String(item.metadata?.['namespace'] ?? ''), String(item.metadata?.['name'] ?? ''), opts, dryRun).catch((e: unknown) => {
          if (!(isStatusError(e) && e.status.code === 404)) throw e;
        });
      }
      return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
    }
  }
  throw errors.methodNotAllowed(req.method ?? '');
}

/** Server-side apply: fieldManager is required; an absent object is created (201) from the configuration. */
async function applyObject(ctx: ApiContext, info: ResourceInfo, ns: string, name: string, body: unknown, query: URLSearchParams, sub: 'status' | 'finalize' | 'approval' | undefined, dryRun: boolean, res: ServerResponse): Promise<void> {
  if ((query.get('fieldManager') ?? '') === '') throw errors.badRequest('PATCH requests with an apply-patch+yaml content type must have a fieldManager query parameter');
  try {
    return send(res, 200, await patchObject(ctx, info, ns, name, 'apply', body, { subresource: sub, dryRun }));
  } catch (e) {
    if (!(isStatusError(e) && e.status.code === 404 && e.status.details?.name === name) || sub !== undefined) throw e;
  }
  const config = (typeof body === 'object' && body !== null ? body : {}) as Obj;
  const meta = (typeof config.metadata === 'object' && config.metadata !== null ? config.metadata : {}) as Record<string, unknown>;
  if (meta['name'] !== undefined && meta['name'] !== name) throw errors.badRequest(`the name of the object (${String(meta['name'])}) does not match the name on the URL (${name})`);
  const created = await createObject(ctx, info, ns, { ...config, metadata: { ...meta, name } }, dryRun);
  return send(res, 201, created);
}

function patchKind(contentType: string): ReturnType<typeof patchKindOf> & {} {
  const kind = patchKindOf(contentType);
  if (kind === undefined) throw errors.unsupportedMediaType(contentType);
  return kind;
}
