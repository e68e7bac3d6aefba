/**
 * etcdserverpb.Watch: one bidirectional stream carries many watches. A watch first replays
 * history from its start revision (or is cancelled with the compact revision if that history
 * is gone), then follows live events; each response carries the events of one revision.
 */
import type { ServerDuplexStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { MvccEvent } from '../../core/mvcc/types.ts';
import { inRange } from '../../core/mvcc/key-range.ts';
import { MvccError } from '../../core/mvcc/mvcc-error.ts';
import type { EtcdMember } from '../etcd-member.ts';
import { bin, eventOut } from '../wire-codec.ts';

interface WireCreate {
  key: Buffer;
  range_end: Buffer;
  start_revision: string;
  progress_notify: boolean;
  filters: string[];
  prev_kv: boolean;
  watch_id: string;
}

interface WireWatchRequest {
  create_request?: WireCreate | null;
  cancel_request?: { watch_id: string } | null;
  progress_request?: object | null;
}

function byRevision(events: readonly MvccEvent[]): MvccEvent[][] {
  const groups: MvccEvent[][] = [];
  for (const e of events) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0]?.kv.modRevision === e.kv.modRevision) last.push(e);
    else groups.push([e]);
  }
  return groups;
}

export function watchService(member: EtcdMember, progressIntervalMs = 10_000): UntypedServiceImplementation {
  return {
    Watch: (stream: ServerDuplexStream<WireWatchRequest, unknown>) => {
      const watches = new Map<string, { unsubscribe: () => void; progress: boolean }>();
      let nextId = 0;
      const send = (msg: Record<string, unknown>): void => {
        if (!stream.destroyed && stream.writable) stream.write({ header: member.header(), ...msg });
      };
      const progressTimer = setInterval(() => {
        for (const [id, w] of watches) if (w.progress) send({ watch_id: id, events: [] });
      }, progressIntervalMs);
      progressTimer.unref();

      const create = (req: WireCreate): void => {
        const requested = Number(req.watch_id);
        const id = String(requested > 0 ? requested : nextId++);
        const key = bin(req.key);
        const end = bin(req.range_end);
        const start = Number(req.start_revision);
        const store = member.state.store;
        const keep = (e: MvccEvent): boolean => inRange(e.kv.key, key, end)
          && !(e.type === 'PUT' && req.filters.includes('NOPUT')) && !(e.type === 'DELETE' && req.filters.includes('NODELETE'));
        const deliver = (events: readonly MvccEvent[]): void => {
          const kept = events.filter(keep);
          if (kept.length > 0) send({ watch_id: id, events: kept.map((e) => eventOut(e, req.prev_kv)) });
        };
        send({ watch_id: id, created: true });
        let history: MvccEvent[] = [];
        if (start > 0 && start <= store.revision) {
          try {
            history = store.eventsSince(start, key, end);
          } catch (error) {
            if (!(error instanceof MvccError)) throw error;
            send({ watch_id: id, canceled: true, compact_revision: String(store.compactRevision), cancel_reason: 'etcdserver: mvcc: required revision has been compacted' });
            return;
          }
        }
        const from = Math.max(start, store.revision + 1);
        // Subscribing in the same turn as reading history: no event can fall between the two.
        const unsubscribe = store.subscribe((events, revision) => {
          if (revision >= from) deliver(events);
        });
        watches.set(id, { unsubscribe, progress: req.progress_notify });
        for (const group of byRevision(history)) deliver(group);
      };

      stream.on('data', (req: WireWatchRequest) => {
        if (req.create_request) create(req.create_request);
        else if (req.cancel_request) {
          const id = String(Number(req.cancel_request.watch_id));
          watches.get(id)?.unsubscribe();
          watches.delete(id);
          send({ watch_id: id, canceled: true });
        } else if (req.progress_request) send({ watch_id: '-1' });
      });
      const close = (): void => {
        clearInterval(progressTimer);
        for (const w of watches.values()) w.unsubscribe();
        watches.clear();
      };
      stream.on('end', () => {
        close();
        stream.end();
      });
      stream.on('error', close);
      stream.on('close', close);
    },
  };
}
