/**
 * The informer's local store: objects by "namespace/name" plus a namespace index, and the
 * diff a relist implies (what to report as added, updated, deleted). Pure.
 */
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { keyOf } from './api-types.ts';

export interface Delta<T> {
  type: 'add' | 'update' | 'delete';
  old?: T;
  obj: T;
}

export class ObjectCache<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly byNamespace = new Map<string, Set<string>>();

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.items.values()];
    const keys = this.byNamespace.get(namespace);
    if (keys === undefined) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  get size(): number {
    return this.items.size;
  }

  /** Applies one watch event; returns the delta handlers should see, if any. */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): Delta<T> | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (type === 'DELETED') {
      if (old === undefined) return undefined;
      this.remove(key, old);
      return { type: 'delete', obj };
    }
    this.put(key, obj);
    return old === undefined ? { type: 'add', obj } : { type: 'update', old, obj };
  }

  /** Replaces the whole content after a (re)list; returns the implied deltas. */
  replace(objects: readonly T[]): Delta<T>[] {
    const deltas: Delta<T>[] = [];
    const seen = new Set<string>();
    for (const obj of objects) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.items.get(key);
      this.put(key, obj);
      if (old === undefined) deltas.push({ type: 'add', obj });
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) deltas.push({ type: 'update', old, obj });
    }
    for (const [key, old] of [...this.items]) {
      if (!seen.has(key)) {
        this.remove(key, old);
        deltas.push({ type: 'delete', obj: old });
      }
    }
    return deltas;
  }

  private put(key: string, obj: T): void {
    this.items.set(key, obj);
    const ns = obj.metadata.namespace ?? '';
    let set = this.byNamespace.get(ns);
    if (set === undefined) this.byNamespace.set(ns, (set = new Set()));
    set.add(key);
  }

  private remove(key: string, old: T): void {
    this.items.delete(key);
    this.byNamespace.get(old.metadata.namespace ?? '')?.delete(key);
  }
}
