/**
 * A reflector + informer (client-go's shape, smaller): list, then watch from the list's
 * resourceVersion; on 410 Gone (an "expired" resourceVersion) relist; when a watch ends,
 * resume from the last resourceVersion seen. The cache is keyed "namespace/name" and indexed
 * by namespace. Handlers only learn about changes; they should just enqueue keys.
 *
 * Like client-go's Reflector.ListAndWatch it never gives up while not stopped: a list or
 * watch that fails (the apiserver down, refusing connections) is retried with capped
 * exponential backoff for as long as it takes, so a component outlives any apiserver outage
 * and converges once the server is back. stop() also cuts a backoff wait short.
 *
 * Usage:
 *   const pods = new Informer<Pod>(api, { kind: POD, log });
 *   pods.addHandler({ onAdd: (p) => queue.add(keyOf(p)), onUpdate: (_, p) => ..., onDelete: ... });
 *   await pods.start();          // resolves once the first list is cached
 *   pods.get('ns/name'); pods.list('ns');
 *   pods.stop();
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ApiError, type KindRef, type KubeApi, type KubeObject, type Watch, type WatchEvent } from '../../../src/ports/kube-api.ts';
import { backoffDelay } from '../core/backoff.ts';
import { ObjectCache, type Delta } from '../core/cache.ts';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  kind: KindRef;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Restart each watch after this long (bounds the client's event buffer); default 5 min. */
  watchRestartMs?: number;
  log?: (line: string) => void;
}

/** Watches whose implementation pushes events (the kit's KubeClient does). */
interface SubscribableWatch extends Watch {
  subscribe(onEvent: (event: WatchEvent) => void, onEnd?: (error: Error | undefined) => void): void;
}

/** Retries of a failed list or watch: 200 ms, 400 ms, ... capped at 5 s, never giving up. */
const RETRY_BACKOFF = { baseMs: 200, maxMs: 5000 };

function isSubscribable(w: Watch): w is SubscribableWatch {
  return typeof (w as Partial<SubscribableWatch>).subscribe === 'function';
}

export class Informer<T extends KubeObject> {
  private readonly cache = new ObjectCache<T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private resourceVersion = '';
  private stopped = false;
  private current: Watch | undefined;
  private loop: Promise<void> | undefined;
  private hasSynced = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly api: KubeApi,
    private readonly options: InformerOptions,
  ) {}

  addHandler(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    // Late handlers see what is already cached, as client-go's AddEventHandler does.
    for (const obj of this.cache.list()) h.onAdd?.(obj);
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string): T[] {
    return this.cache.list(namespace);
  }

  /**
   * Starts listing and watching; resolves after the first list is in the cache (as
   * WaitForCacheSync), retrying the list until it succeeds, or at once after stop().
   */
  async start(): Promise<void> {
    for (let failures = 1; !this.stopped; failures++) {
      try {
        await this.relist();
        break;
      } catch (error) {
        if (this.stopped) break;
        this.options.log?.(`${this.options.kind.kind} informer: list failed (${String(error)}), retrying`);
        await this.backoff(failures);
      }
    }
    this.loop = this.run();
  }

  stop(): void {
    this.stopped = true;
    this.stopping.abort();
    this.current?.stop();
  }

  /** Waits for the watch loop to finish after stop(). */
  async whenStopped(): Promise<void> {
    await this.loop;
  }

  private async relist(): Promise<void> {
    const listOptions = { ...this.selectors(), ...(this.options.namespace !== undefined ? { namespace: this.options.namespace } : {}) };
    const list = await this.api.list<T>(this.options.kind, listOptions);
    const kind = this.options.kind.kind;
    for (const item of list.items) {
      // List items often omit apiVersion/kind; handlers and writes back need them.
      item.apiVersion ??= this.options.kind.apiVersion;
      item.kind ??= kind;
    }
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    this.dispatch(this.cache.replace(list.items));
    this.hasSynced = true;
  }

  private selectors(): { labelSelector?: string; fieldSelector?: string } {
    const s: { labelSelector?: string; fieldSelector?: string } = {};
    if (this.options.labelSelector !== undefined) s.labelSelector = this.options.labelSelector;
    if (this.options.fieldSelector !== undefined) s.fieldSelector = this.options.fieldSelector;
    return s;
  }

  /**
   * Watch, and on any failure back off and try again, forever until stop(). A failed relist
   * counts as a failure too (it used to be swallowed, and the loop then spun on 410s), and
   * `failures` only resets once a watch was actually opened, so a server that keeps refusing
   * is asked ever less often, up to every 5 s.
   */
  private async run(): Promise<void> {
    let failures = 0;
    let mustRelist = false;
    while (!this.stopped) {
      try {
        if (mustRelist) {
          await this.relist();
          mustRelist = false;
        }
        const outcome = await this.watchOnce(() => (failures = 0));
        if (outcome === 'gone') mustRelist = true;
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof ApiError && error.status === 410) {
          this.options.log?.(`${this.options.kind.kind} informer: resourceVersion ${this.resourceVersion} expired, relisting`);
          mustRelist = true;
          continue;
        }
        failures++;
        this.options.log?.(`${this.options.kind.kind} informer: ${mustRelist ? 'list' : 'watch'} failed (${String(error)}), retrying`);
        await this.backoff(failures);
        // After an outage the resourceVersion may be gone (the server may even have lost its
        // history); a relist is always safe and tells handlers what changed meanwhile.
        if (failures > 1) mustRelist = true;
      }
    }
  }

  /** Waits before the n-th consecutive retry; stop() ends the wait at once. */
  private async backoff(failures: number): Promise<void> {
    await delay(backoffDelay(failures, RETRY_BACKOFF), undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }

  /** One watch stream; resolves 'ended' when it closes normally, 'gone' on a 410 ERROR event. */
  private async watchOnce(opened: () => void): Promise<'ended' | 'gone'> {
    const watch = await this.api.watch(this.options.kind, {
      ...this.selectors(),
      ...(this.options.namespace !== undefined ? { namespace: this.options.namespace } : {}),
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
    });
    if (!isSubscribable(watch)) throw new Error('the KubeApi watch does not push events (subscribe)');
    opened();
    this.current = watch;
    if (this.stopped) watch.stop();
    const restart = setTimeout(() => watch.stop(), this.options.watchRestartMs ?? 5 * 60 * 1000);
    try {
      return await new Promise<'ended' | 'gone'>((resolve, reject) => {
        let gone = false;
        watch.subscribe(
          (event) => {
            if (gone) return;
            if (event.type === 'ERROR') {
              const status = event.object as unknown as { code?: number; message?: string };
              if (status.code === 410) {
                gone = true;
                watch.stop();
                resolve('gone');
              } else reject(new Error(`watch ERROR: ${status.message ?? JSON.stringify(status)}`));
              return;
            }
            const rv = event.object.metadata?.resourceVersion;
            if (rv !== undefined) this.resourceVersion = rv;
            if (event.type === 'BOOKMARK') return;
            const obj = event.object as T;
            obj.apiVersion ??= this.options.kind.apiVersion;
            obj.kind ??= this.options.kind.kind;
            const delta = this.cache.apply(event.type, obj);
            if (delta !== undefined) this.dispatch([delta]);
          },
          (error) => (error !== undefined && !this.stopped ? reject(error) : resolve('ended')),
        );
      });
    } finally {
      clearTimeout(restart);
    }
  }

  private dispatch(deltas: Delta<T>[]): void {
    for (const d of deltas) {
      for (const h of this.handlers) {
        try {
          if (d.type === 'add') h.onAdd?.(d.obj);
          else if (d.type === 'update') h.onUpdate?.(d.old ?? d.obj, d.obj);
          else h.onDelete?.(d.obj);
        } catch (error) {
          this.options.log?.(`${this.options.kind.kind} informer handler failed: ${String(error)}`);
        }
      }
    }
  }
}
