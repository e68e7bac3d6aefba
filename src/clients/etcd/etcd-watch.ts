/**
 * One etcd watch over its own bidirectional Watch stream: resolves once the server has
 * created (or refused) the watch, and records its events or hands each to a callback.
 */
import * as grpc from '@grpc/grpc-js';
import type { EtcdWatch, EtcdWatchEvent } from '../../ports/etcd.ts';
import { keyRange, toKeyValue, type WireKeyValue } from './wire.ts';

interface WireWatchResponse {
  watch_id: string;
  created: boolean;
  canceled: boolean;
  compact_revision: string;
  cancel_reason: string;
  events: Array<{ type: 'PUT' | 'DELETE'; kv: WireKeyValue; prev_kv: WireKeyValue | null }>;
}

type WatchStream = grpc.ClientDuplexStream<unknown, WireWatchResponse>;

export function openWatch(
  service: grpc.Client,
  key: string,
  options: { prefix?: boolean; startRevision?: number; prevKv?: boolean; progressNotify?: boolean; onEvent?: (event: EtcdWatchEvent) => void },
): Promise<EtcdWatch> {
  const stream = (service as unknown as { Watch(meta: grpc.Metadata): WatchStream }).Watch(new grpc.Metadata());
  const events: EtcdWatchEvent[] = [];
  let cancelReason: string | undefined;
  let compactRevision: number | undefined;
  let watchId: string | undefined;
  let stopped = false;

  const watch: EtcdWatch = {
    get events() { return events; },
    get cancelReason() { return cancelReason; },
    get compactRevision() { return compactRevision; },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (watchId !== undefined) stream.write({ cancel_request: { watch_id: watchId } });
      stream.end();
      stream.cancel();
    },
  };

  return new Promise<EtcdWatch>((resolve, reject) => {
    let settled = false;
    stream.on('data', (res: WireWatchResponse) => {
      if (res.created && watchId === undefined) watchId = res.watch_id;
      for (const e of res.events) {
        const event: EtcdWatchEvent = { type: e.type, kv: toKeyValue(e.kv) };
        if (e.prev_kv) event.prevKv = toKeyValue(e.prev_kv);
        if (options.onEvent !== undefined) options.onEvent(event);
        else events.push(event);
      }
      if (res.canceled) {
        const compacted = res.compact_revision !== '0';
        // etcd 3.4 sends only the compact revision; clientv3 reports it as ErrCompacted.
        cancelReason = res.cancel_reason || (compacted ? 'etcdserver: mvcc: required revision has been compacted' : 'canceled');
        if (compacted) compactRevision = Number(res.compact_revision);
      }
      if (!settled && (res.created || res.canceled)) {
        settled = true;
        resolve(watch);
      }
    });
    stream.on('error', (err: grpc.ServiceError) => {
      if (stopped && err.code === grpc.status.CANCELLED) return;
      cancelReason ??= err.details || err.message;
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    stream.write({
      create_request: {
        ...keyRange(key, options),
        start_revision: String(options.startRevision ?? 0),
        progress_notify: options.progressNotify ?? false,
        prev_kv: options.prevKv ?? false,
      },
    });
  });
}
