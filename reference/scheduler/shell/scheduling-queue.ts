/**
 * The scheduling queue (upstream PriorityQueue, smaller): activeQ ordered by the profile's
 * QueueSort; Pods that did not fit wait in unschedulablePods until a cluster change that may
 * help (node added or changed, Pod deleted), then go back after their backoff
 * (1 s doubling to 10 s per attempt); a periodic flush retries Pods parked for over 60 s.
 */
import type { Pod } from '../../client-machinery/core/api-types.ts';
import { backoffDelay } from '../../client-machinery/core/backoff.ts';
import type { QueuedPodInfo, QueueSortPlugin } from '../core/framework.ts';

const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 10_000;
const MAX_UNSCHEDULABLE_MS = 60_000;

export class SchedulingQueue {
  private readonly active = new Map<string, QueuedPodInfo>();
  private readonly unschedulable = new Map<string, QueuedPodInfo & { parkedAt: number }>();
  private readonly backoffTimers = new Map<string, NodeJS.Timeout>();
  private readonly flushTimer: NodeJS.Timeout;
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly sort: QueueSortPlugin,
    private readonly now: () => number = Date.now,
  ) {
    this.flushTimer = setInterval(() => this.flushLongParked(), 15_000);
    this.flushTimer.unref();
  }

  /** A new or changed unscheduled Pod. Known Pods keep their attempts and place. */
  addOrUpdate(key: string, pod: Pod): void {
    const queued = this.active.get(key);
    if (queued !== undefined) {
      queued.pod = pod;
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked !== undefined) {
      // Its spec changed (tolerations, affinity...): worth another try after backoff.
      this.unschedulable.delete(key);
      this.backoff(key, { ...parked, pod });
      return;
    }
    if (this.backoffTimers.has(key)) return;
    this.push(key, { pod, timestamp: this.now(), attempts: 0 });
  }

  delete(key: string): void {
    this.active.delete(key);
    this.unschedulable.delete(key);
    const t = this.backoffTimers.get(key);
    if (t !== undefined) clearTimeout(t);
    this.backoffTimers.delete(key);
  }

  /** After a failed attempt: park until a cluster change (unschedulable) or retry after backoff (error). */
  requeue(key: string, info: QueuedPodInfo, why: 'unschedulable' | 'error'): void {
    if (this.closed) return;
    const next = { ...info, attempts: info.attempts + 1 };
    if (why === 'unschedulable') this.unschedulable.set(key, { ...next, parkedAt: this.now() });
    else this.backoff(key, next);
  }

  /** Something changed that may make parked Pods fit (upstream MoveAllToActiveOrBackoffQueue). */
  moveAllToActive(reason: string): void {
    void reason;
    for (const [key, info] of this.unschedulable) this.backoff(key, info);
    this.unschedulable.clear();
  }

  /** The next Pod to schedule; undefined once closed. */
  async pop(): Promise<{ key: string; info: QueuedPodInfo } | undefined> {
    while (!this.closed) {
      let bestKey: string | undefined;
      let best: QueuedPodInfo | undefined;
      for (const [key, info] of this.active) {
        if (best === undefined || this.sort.less(info, best)) {
          best = info;
          bestKey = key;
        }
      }
      if (best !== undefined && bestKey !== undefined) {
        this.active.delete(bestKey);
        return { key: bestKey, info: best };
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return undefined;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.flushTimer);
    for (const t of this.backoffTimers.values()) clearTimeout(t);
    this.backoffTimers.clear();
    this.wake();
  }

  get pending(): number {
    return this.active.size + this.unschedulable.size + this.backoffTimers.size;
  }

  private push(key: string, info: QueuedPodInfo): void {
    if (this.closed) return;
    this.active.set(key, info);
    this.wake();
  }

  private backoff(key: string, info: QueuedPodInfo): void {
    const old = this.backoffTimers.get(key);
    if (old !== undefined) clearTimeout(old);
    const ms = Math.min(backoffDelay(info.attempts, { baseMs: INITIAL_BACKOFF_MS, maxMs: MAX_BACKOFF_MS }), MAX_BACKOFF_MS);
    const t = setTimeout(() => {
      this.backoffTimers.delete(key);
      this.push(key, info);
    }, ms);
    this.backoffTimers.set(key, t);
  }

  private flushLongParked(): void {
    const now = this.now();
    for (const [key, info] of this.unschedulable) {
      if (now - info.parkedAt > MAX_UNSCHEDULABLE_MS) {
        this.unschedulable.delete(key);
        this.backoff(key, info);
      }
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
