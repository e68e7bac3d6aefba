/**
 * The kit's Kubernetes API client: the KubeApi port over HTTP(S), JSON and the watch
 * stream. One instance per identity; `as()` derives siblings through the target's minter.
 */
import {
  ApiError,
  type DeleteOptions,
  type Identity,
  type KindRef,
  type KubeApi,
  type KubeList,
  type KubeObject,
  type ListOptions,
  type ObjectKey,
  type PatchType,
  type RawResponse,
  type Watch,
  type WatchOptions,
} from '../../ports/kube-api.ts';
import type { Connection } from './connection.ts';
import { Discovery, type ResourceInfo } from './discovery.ts';
import { HttpTransport } from './http-transport.ts';
import { StreamingWatch } from './streaming-watch.ts';

/** Gives the connection for an identity, or throws if the target cannot mint it. */
export type IdentityMinter = (identity: Identity) => Connection;

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

function query(params: Record<string, string | number | boolean | undefined>): string {
  const pairs = Object.entries(params).filter((p): p is [string, string | number | boolean] => p[1] !== undefined);
  return pairs.length === 0 ? '' : '?' + pairs.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');
}

export class KubeClient implements KubeApi {
  private readonly transport: HttpTransport;
  private readonly discovery: Discovery;
  private readonly watches = new Set<StreamingWatch>();

  constructor(
    readonly connection: Connection,
    private readonly mint: IdentityMinter = () => {
      throw new Error('this target cannot mint credentials for other identities');
    },
  ) {
    this.transport = new HttpTransport(connection);
    this.discovery = new Discovery(this.transport);
  }

  get server(): string {
    return this.connection.server;
  }

  as(identity: Identity): KubeApi {
    return new KubeClient(this.mint(identity), this.mint);
  }

  at(server: string): KubeApi {
    const base = server.replace(/\/$/, '');
    return new KubeClient({ ...this.connection, server: base }, (identity) => ({ ...this.mint(identity), server: base }));
  }

  async request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse> {
    return this.transport.exchange(method, path, body, headers);
  }

  async create<T extends KubeObject>(obj: T, options: { dryRun?: boolean } = {}): Promise<T> {
    const path = await this.collectionPath(obj, obj.metadata.namespace);
    return this.call<T>('POST', path + query({ dryRun: options.dryRun === true ? 'All' : undefined }), obj);
  }

  async get<T extends KubeObject>(key: ObjectKey): Promise<T | undefined> {
    try {
      return await this.call<T>('GET', await this.objectPath(key));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async list<T extends KubeObject>(kind: KindRef, options: ListOptions = {}): Promise<KubeList<T>> {
    const path = await this.collectionPath(kind, options.namespace);
    return this.call<KubeList<T>>(
      'GET',
      path +
        query({
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.limit,
          continue: options.continue,
          resourceVersion: options.resourceVersion,
        }),
    );
  }

  async update<T extends KubeObject>(obj: T): Promise<T> {
    return this.call<T>('PUT', await this.objectPath(this.keyOf(obj)), obj);
  }

  async updateStatus<T extends KubeObject>(obj: T): Promise<T> {
    return this.call<T>('PUT', (await this.objectPath(this.keyOf(obj))) + '/status', obj);
  }

  async patch<T extends KubeObject>(
    key: ObjectKey,
    patch: unknown,
    type: PatchType,
    options: { fieldManager?: string; force?: boolean; subresource?: string } = {},
  ): Promise<T> {
    const sub = options.subresource === undefined ? '' : `/${options.subresource}`;
    const path = (await this.objectPath(key)) + sub + query({ fieldManager: options.fieldManager ?? (type === 'apply' ? 'kck' : undefined), force: options.force });
    return this.call<T>('PATCH', path, patch, { 'Content-Type': PATCH_CONTENT_TYPES[type] });
  }

  async delete(key: ObjectKey, options: DeleteOptions = {}): Promise<void> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...options };
    await this.call('DELETE', await this.objectPath(key), body);
  }

  async watch(kind: KindRef, options: WatchOptions = {}): Promise<Watch> {
    const path =
      (await this.collectionPath(kind, options.namespace)) +
      query({
        watch: true,
        resourceVersion: options.resourceVersion,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        allowWatchBookmarks: options.allowWatchBookmarks,
      });
    const response = await this.transport.open('GET', path);
    if (response.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of response) chunks.push(c as Buffer);
      throw toApiError(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), `watch ${kind.kind}`);
    }
    const watch = new StreamingWatch(response, () => this.watches.delete(watch));
    this.watches.add(watch);
    return watch;
  }

  /** Stops every open watch and drops pooled connections. */
  close(): void {
    for (const w of this.watches) w.stop();
    this.transport.close();
  }

  private keyOf(obj: KubeObject): ObjectKey {
    const name = obj.metadata.name;
    if (name === undefined) throw new Error(`${obj.kind} has no metadata.name`);
    return { apiVersion: obj.apiVersion, kind: obj.kind, name, ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }) };
  }

  private async collectionPath(kind: KindRef, namespace: string | undefined): Promise<string> {
    const info = await this.discovery.resolve(kind);
    return scopedPath(info, namespace);
  }

  private async objectPath(key: ObjectKey): Promise<string> {
    const info = await this.discovery.resolve(key);
    return `${scopedPath(info, key.namespace)}/${encodeURIComponent(key.name)}`;
  }

  private async call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const res = await this.transport.exchange(method, path, body, headers);
    if (res.status >= 200 && res.status < 300) return res.body as T;
    throw toApiError(res.status, res.text, `${method} ${path}`);
  }
}

function scopedPath(info: ResourceInfo, namespace: string | undefined): string {
  if (info.namespaced && namespace !== undefined) return `${info.groupVersionPath}/namespaces/${encodeURIComponent(namespace)}/${info.resource}`;
  return `${info.groupVersionPath}/${info.resource}`;
}

export function toApiError(status: number, text: string, what: string): ApiError {
  let body: unknown = text;
  let reason = '';
  let message = text.slice(0, 300);
  try {
    body = JSON.parse(text);
    const s = body as { reason?: string; message?: string };
    reason = s.reason ?? '';
    message = s.message ?? message;
  } catch {
    // not a Status object; keep the text
  }
  return new ApiError(status, reason, body, `${what}: ${status}${reason ? ` ${reason}` : ''}: ${message}`);
}
