/**
 * One watch cache per resource, fed by a single etcd watch on the resource's key prefix
 * (upstream: the cacher in k8s.io/apiserver/pkg/storage/cacher). It keeps the current
 * objects and a window of recent events, so client watches start from any resourceVersion
 * inside the window and older ones get 410 Expired. Every apiserver instance on the same
 * etcd sees the same revisions, so resourceVersions agree across instances (S4.3).
 */
import type { Etcd, EtcdWatch, EtcdWatchEvent } from '../../../src/ports/etcd.ts';
import { errors } from '../core/status.ts';
import { decode, type Obj } from './storage.ts';

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: Obj;
  /** The object before this change (for selector transitions). */
  previous: Obj | undefined;
  revision: number;
}

export type Listener = (event: CacheEvent | 'expired') => void;

export class WatchCache {
  private readonly objects = new Map<string, { object: Obj; revision: number }>();
  private readonly window: CacheEvent[] = [];
  private readonly listeners = new Set<Listener>();
  /** Events after this revision are all in the window. */
  private oldest = 0;
  /** The highest revision this cache has applied. */
  current = 0;
  private watch: EtcdWatch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private restarting: Promise<void> | undefined;

  constructor(
    private readonly etcd: Etcd,
    readonly prefix: string,
    private readonly log: (line: string) => void,
    private readonly capacity = 10000,
  ) {}

  async start(): Promise<void> {
    await this.load();
    // The port's watch has no "ended" callback: poll for a cancelled stream (compaction,
    // etcd restart) and rebuild, expiring client watches as upstream's cacher does.
    this.timer = setInterval(() => {
      if (this.watch?.cancelReason !== undefined && this.restarting === undefined && !this.stopped) {
        this.log(`watch cache ${this.prefix}: etcd watch ended (${this.watch.cancelReason}); relisting`);
        this.restarting = this.restart().finally(() => (this.restarting = undefined));
      }
    }, 500);
    this.timer.unref();
  }

  private async load(): Promise<void> {
    const res = await this.etcd.range(this.prefix, { prefix: true });
    this.objects.clear();
    for (const kv of res.kvs) this.objects.set(kv.key, { object: decode(kv), revision: kv.modRevision });
    this.window.length = 0;
    this.oldest = res.header.revision;
    this.current = res.header.revision;
    this.watch = await this.etcd.watch(this.prefix, { prefix: true, prevKv: true, startRevision: res.header.revision + 1, onEvent: (e) => this.apply(e) });
  }

  private async restart(): Promise<void> {
    await this.watch?.stop().catch(() => undefined);
    for (const l of [...this.listeners]) l('expired');
    this.listeners.clear();
    for (;;) {
      if (this.stopped) return;
      try {
        await this.load();
        return;
      } catch (e) {
        this.log(`watch cache ${this.prefix}: relist failed: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private apply(e: EtcdWatchEvent): void {
    const revision = e.kv.modRevision;
    if (revision <= this.current && e.type === 'PUT') return;
    const prior = this.objects.get(e.kv.key);
    let event: CacheEvent;
    if (e.type === 'PUT') {
      const object = decode(e.kv);
      this.objects.set(e.kv.key, { object, revision });
      event = { type: prior === undefined ? 'ADDED' : 'MODIFIED', key: e.kv.key, object, previous: prior?.object, revision };
    } else {
      const last = prior?.object ?? (e.prevKv !== undefined ? decode(e.prevKv) : { metadata: {} });
      this.objects.delete(e.kv.key);
      // Upstream reports a deleted object with the deletion's revision.
      const object = { ...last, metadata: { ...(last.metadata ?? {}), resourceVersion: String(revision) } };
      event = { type: 'DELETED', key: e.kv.key, object, previous: last, revision };
    }
    this.current = Math.max(this.current, revision);
    this.window.push(event);
    if (this.window.length > this.capacity) {
      const dropped = this.window.shift();
      if (dropped !== undefined) this.oldest = dropped.revision;
    }
    for (const l of this.listeners) l(event);
  }

  /** Current objects under a key prefix (a namespace's, or all). */
  snapshot(prefix = this.prefix): Array<{ key: string; object: Obj; revision: number }> {
    const out: Array<{ key: string; object: Obj; revision: number }> = [];
    for (const [key, v] of this.objects) if (key.startsWith(prefix)) out.push({ key, ...v });
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /**
   * Subscribes from a resourceVersion: replays the window's events after it, then streams.
   * Without one, the caller gets the current state as its starting point (snapshot).
   */
  subscribe(fromRevision: number | undefined, listener: Listener): { replay: CacheEvent[]; unsubscribe: () => void } {
    let replay: CacheEvent[] = [];
    if (fromRevision !== undefined) {
      if (fromRevision < this.oldest) throw errors.gone(`too old resource version: ${fromRevision} (${this.oldest})`);
      replay = this.window.filter((e) => e.revision > fromRevision);
    }
    this.listeners.add(listener);
    return { replay, unsubscribe: () => this.listeners.delete(listener) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const l of [...this.listeners]) l('expired');
    this.listeners.clear();
    await this.watch?.stop().catch(() => undefined);
  }
}
