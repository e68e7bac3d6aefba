/**
 * KubeApi: the Kubernetes REST API and its watch protocol, as any client sees it.
 * One implementation (src/clients/kube) serves every target: the reference apiserver,
 * an upstream one, or any cluster reached through a kubeconfig.
 */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object; typed views (Pod, Node...) narrow it where steps need fields. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/** Names a kind in a group version, e.g. { apiVersion: 'apps/v1', kind: 'Deployment' }. */
export interface KindRef {
  apiVersion: string;
  kind: string;
}

export interface ObjectKey extends KindRef {
  name: string;
  namespace?: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this resourceVersion; absent means "from now, with synthetic ADDED events". */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface Watch {
  /** Events received so far, in arrival order. */
  readonly events: readonly WatchEvent[];
  /** Set when the stream ended (by the server, by an error, or by stop()). */
  readonly ended: boolean;
  readonly error: Error | undefined;
  /**
   * Calls `onEvent` for every event, first those already received, then each new one as it
   * arrives; `onEnd` once the stream ends. For components (informers) that react to events.
   */
  subscribe(onEvent: (event: WatchEvent) => void, onEnd?: (error: Error | undefined) => void): void;
  stop(): void;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** What the server answered, for scenarios that check codes and Status bodies. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

/** Who a client authenticates as. Targets map identities to credentials they can mint. */
export type Identity =
  | { kind: 'admin' }
  | { kind: 'anonymous' }
  | { kind: 'user'; name: string; groups?: string[] }
  | { kind: 'node'; nodeName: string }
  | { kind: 'component'; name: 'kube-scheduler' | 'kube-controller-manager' | 'cloud-controller-manager' | 'kube-proxy' };

/** Thrown by typed calls when the server answers with an error Status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface KubeApi {
  /** The server URL this client talks to (for messages and for kubectl). */
  readonly server: string;

  create<T extends KubeObject>(obj: T, options?: { dryRun?: boolean }): Promise<T>;
  /** Returns undefined when the object does not exist (404). */
  get<T extends KubeObject>(key: ObjectKey): Promise<T | undefined>;
  list<T extends KubeObject>(kind: KindRef, options?: ListOptions): Promise<KubeList<T>>;
  /** Replaces the object; a stale metadata.resourceVersion gives ApiError 409. */
  update<T extends KubeObject>(obj: T): Promise<T>;
  updateStatus<T extends KubeObject>(obj: T): Promise<T>;
  patch<T extends KubeObject>(key: ObjectKey, patch: unknown, type: PatchType, options?: { fieldManager?: string; force?: boolean; subresource?: string }): Promise<T>;
  delete(key: ObjectKey, options?: DeleteOptions): Promise<void>;
  watch(kind: KindRef, options?: WatchOptions): Promise<Watch>;
  /** Any request; never throws for an HTTP status, only for transport errors. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  /** The same server seen by another identity. */
  as(identity: Identity): KubeApi;
  /** The same identity against one instance of a replicated server (its base URL). */
  at(server: string): KubeApi;
}
