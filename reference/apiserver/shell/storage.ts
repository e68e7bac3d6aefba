/**
 * Kubernetes objects in etcd: one key per object, JSON values, resourceVersion = the key's
 * modRevision (never stored in the value), writes as transactions that compare the
 * modRevision they read (optimistic concurrency, like upstream's etcd3 store).
 */
import type { Etcd, KeyValue } from '../../../src/ports/etcd.ts';
import { errors } from '../core/status.ts';

export type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };

export interface Stored {
  object: Obj;
  revision: number;
}

export function decode(kv: KeyValue): Obj {
  const o = JSON.parse(kv.value) as Obj;
  const meta = (o.metadata ??= {});
  meta['resourceVersion'] = String(kv.modRevision);
  return o;
}

function encode(o: Obj): string {
  const copy = { ...o, metadata: { ...(o.metadata ?? {}) } };
  delete copy.metadata['resourceVersion'];
  return JSON.stringify(copy);
}

/** Exclusive end of the prefix range (etcd's "prefix" convention: last byte + 1). */
export function prefixEnd(prefix: string): string {
  const buf = Buffer.from(prefix);
  for (let i = buf.length - 1; i >= 0; i--) {
    const b = buf[i] as number;
    if (b < 0xff) {
      buf[i] = b + 1;
      return buf.subarray(0, i + 1).toString('latin1');
    }
  }
  return '\0';
}

export class Storage {
  constructor(readonly etcd: Etcd) {}

  async get(key: string): Promise<Stored | undefined> {
    const res = await this.etcd.range(key);
    const kv = res.kvs[0];
    return kv === undefined ? undefined : { object: decode(kv), revision: kv.modRevision };
  }

  /** Creates the key only if absent; returns the stored object with its resourceVersion. */
  async create(key: string, o: Obj): Promise<Obj | undefined> {
    const res = await this.etcd.txn([{ key, target: 'createRevision', result: 'equal', value: 0 }], [{ put: { key, value: encode(o) } }], []);
    if (!res.succeeded) return undefined;
    return this.withRevision(o, res.header.revision);
  }

  /** Replaces the key if its modRevision is still `revision`; undefined on conflict. */
  async update(key: string, o: Obj, revision: number): Promise<Obj | undefined> {
    const res = await this.etcd.txn([{ key, target: 'modRevision', result: 'equal', value: revision }], [{ put: { key, value: encode(o) } }], []);
    if (!res.succeeded) return undefined;
    return this.withRevision(o, res.header.revision);
  }

  /** Deletes the key if its modRevision is still `revision`; returns the delete revision. */
  async delete(key: string, revision: number): Promise<number | undefined> {
    const res = await this.etcd.txn([{ key, target: 'modRevision', result: 'equal', value: revision }], [{ delete: { key } }], []);
    return res.succeeded ? res.header.revision : undefined;
  }

  /**
   * One page of a prefix at a fixed revision (0 = now). `start` continues after a previous
   * page. Compacted revisions surface as 410 Expired, as upstream's continue tokens do.
   */
  async listPage(prefix: string, options: { revision: number; start?: string; limit?: number }): Promise<{ items: Obj[]; keys: string[]; revision: number; more: boolean; count: number }> {
    const from = options.start ?? prefix;
    let res;
    try {
      res = await this.etcd.range(from, { rangeEnd: prefixEnd(prefix), ...(options.revision > 0 ? { revision: options.revision } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) });
    } catch (e) {
      if (/compacted/i.test(String((e as Error).message))) throw errors.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      throw e;
    }
    return { items: res.kvs.map(decode), keys: res.kvs.map((kv) => kv.key), revision: options.revision > 0 ? options.revision : res.header.revision, more: res.more, count: res.count };
  }

  private withRevision(o: Obj, revision: number): Obj {
    const copy = structuredClone(o);
    (copy.metadata ??= {})['resourceVersion'] = String(revision);
    return copy;
  }
}
