/**
 * An in-memory KubeApi that can go away, for unit tests of how components live through an
 * apiserver outage (S3.4) without starting one. It keeps objects with one revision counter
 * (as etcd), serves list and watch from a resourceVersion, and answers 409 to a write with a
 * stale resourceVersion (leader election relies on it). Its `mode`:
 *
 *   'up'      serves;
 *   'down'    every call fails as a stopped server does (ECONNREFUSED) and open watches end
 *             with an error, as when the server process dies;
 *   'hanging' calls never answer (a dead server behind a half-open connection).
 *
 * Only what the client-machinery shells use is served; the rest throws.
 */
import { ApiError, type KindRef, type KubeApi, type KubeList, type KubeObject, type ListOptions, type ObjectKey, type Watch, type WatchEvent, type WatchOptions } from '../../../src/ports/kube-api.ts';

type Mode = 'up' | 'down' | 'hanging';

interface Change {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

const kindOf = (k: KindRef): string => `${k.apiVersion}/${k.kind}`;
const keyOf = (k: KindRef, namespace: string | undefined, name: string): string => `${kindOf(k)}/${namespace ?? ''}/${name}`;
const copy = <T>(v: T): T => structuredClone(v);

/** Only `spec.nodeName=X` (the kubelet's selector) is understood. */
function matches(obj: KubeObject, options: { namespace?: string; fieldSelector?: string }): boolean {
  if (options.namespace !== undefined && obj.metadata.namespace !== options.namespace) return false;
  const selector = options.fieldSelector;
  if (selector === undefined || selector === '') return true;
  const [field, value] = selector.split('=');
  if (field !== 'spec.nodeName') throw new Error(`OutageApi does not understand fieldSelector ${selector}`);
  return (obj['spec'] as { nodeName?: string } | undefined)?.nodeName === value;
}

class FakeWatch implements Watch {
  readonly events: WatchEvent[] = [];
  ended = false;
  error: Error | undefined;
  private readonly listeners: Array<(event: WatchEvent) => void> = [];
  private readonly endListeners: Array<(error: Error | undefined) => void> = [];

  constructor(private readonly onStop: (w: FakeWatch) => void) {}

  push(event: WatchEvent): void {
    if (this.ended) return;
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }

  subscribe(onEvent: (event: WatchEvent) => void, onEnd?: (error: Error | undefined) => void): void {
    for (const e of this.events) onEvent(e);
    this.listeners.push(onEvent);
    if (onEnd === undefined) return;
    if (this.ended) onEnd(this.error);
    else this.endListeners.push(onEnd);
  }

  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.onStop(this);
    for (const l of this.endListeners) l(error);
  }

  stop(): void {
    this.end();
  }
}

export class OutageApi implements KubeApi {
  readonly server = 'https://outage-api.invalid';
  private modeNow: Mode = 'up';
  private revision = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly changes: Change[] = [];
  private readonly watches = new Map<FakeWatch, { kind: KindRef; options: WatchOptions }>();
  /** Calls refused or left hanging since the server went away. */
  failedCalls = 0;

  get mode(): Mode {
    return this.modeNow;
  }

  set mode(mode: Mode) {
    this.modeNow = mode;
    if (mode !== 'up') for (const w of [...this.watches.keys()]) w.end(new Error('aborted'));
  }

  /** Objects as stored (tests look without going through the API). */
  peek<T extends KubeObject>(key: ObjectKey): T | undefined {
    const obj = this.objects.get(keyOf(key, key.namespace, key.name));
    return obj === undefined ? undefined : (copy(obj) as T);
  }

  private async serve<T>(answer: () => T): Promise<T> {
    if (this.modeNow === 'hanging') {
      this.failedCalls++;
      return new Promise<T>(() => undefined);
    }
    if (this.modeNow === 'down') {
      this.failedCalls++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    }
    return answer();
  }

  private write(type: Change['type'], obj: KubeObject): KubeObject {
    this.revision++;
    const stored = copy(obj);
    stored.metadata.resourceVersion = String(this.revision);
    const key = keyOf(obj, obj.metadata.namespace, obj.metadata.name ?? '');
    if (type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, stored);
    const change = { rv: this.revision, type, object: stored };
    this.changes.push(change);
    for (const [w, { kind, options }] of this.watches) if (kindOf(kind) === kindOf(obj) && matches(stored, options)) w.push({ type, object: copy(stored) });
    return copy(stored);
  }

  create<T extends KubeObject>(obj: T): Promise<T> {
    return this.serve(() => {
      const key = keyOf(obj, obj.metadata.namespace, obj.metadata.name ?? '');
      if (this.objects.has(key)) throw new ApiError(409, 'AlreadyExists', {}, `${obj.kind} ${obj.metadata.name ?? ''} already exists`);
      return this.write('ADDED', { ...copy(obj), metadata: { ...obj.metadata, uid: `uid-${this.revision + 1}` } }) as T;
    });
  }

  get<T extends KubeObject>(key: ObjectKey): Promise<T | undefined> {
    return this.serve(() => this.peek<T>(key));
  }

  list<T extends KubeObject>(kind: KindRef, options: ListOptions = {}): Promise<KubeList<T>> {
    return this.serve(() => ({
      apiVersion: kind.apiVersion,
      kind: `${kind.kind}List`,
      metadata: { resourceVersion: String(this.revision) },
      items: [...this.objects.values()].filter((o) => kindOf(o) === kindOf(kind) && matches(o, options)).map((o) => copy(o) as T),
    }));
  }

  update<T extends KubeObject>(obj: T): Promise<T> {
    return this.serve(() => {
      const current = this.objects.get(keyOf(obj, obj.metadata.namespace, obj.metadata.name ?? ''));
      if (current === undefined) throw new ApiError(404, 'NotFound', {}, `${obj.kind} ${obj.metadata.name ?? ''} not found`);
      const rv = obj.metadata.resourceVersion;
      if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) throw new ApiError(409, 'Conflict', {}, 'the object has been modified');
      return this.write('MODIFIED', { ...copy(obj), metadata: { ...obj.metadata, uid: current.metadata.uid } }) as T;
    });
  }

  delete(key: ObjectKey): Promise<void> {
    return this.serve(() => {
      const current = this.objects.get(keyOf(key, key.namespace, key.name));
      if (current === undefined) throw new ApiError(404, 'NotFound', {}, `${key.kind} ${key.name} not found`);
      this.write('DELETED', current);
    });
  }

  watch(kind: KindRef, options: WatchOptions = {}): Promise<Watch> {
    return this.serve(() => {
      const from = Number(options.resourceVersion ?? '0');
      const oldest = this.changes[0]?.rv ?? this.revision + 1;
      if (from > 0 && from < oldest - 1) throw new ApiError(410, 'Expired', {}, `too old resource version: ${from}`);
      const w = new FakeWatch((gone) => this.watches.delete(gone));
      for (const c of this.changes) if (c.rv > from && kindOf(c.object) === kindOf(kind) && matches(c.object, options)) w.push({ type: c.type, object: copy(c.object) });
      this.watches.set(w, { kind, options });
      return w;
    });
  }

  updateStatus<T extends KubeObject>(obj: T): Promise<T> {
    return this.update(obj);
  }

  patch<T extends KubeObject>(): Promise<T> {
    return Promise.reject(new Error('OutageApi does not serve patch'));
  }

  request(): never {
    throw new Error('OutageApi does not serve raw requests');
  }

  as(): KubeApi {
    return this;
  }

  at(): KubeApi {
    return this;
  }
}
