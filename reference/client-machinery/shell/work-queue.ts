/**
 * A rate-limited, de-duplicating work queue (client-go workqueue semantics): a key is queued
 * at most once; a key being processed and added again is processed again after done(), never
 * concurrently; addRateLimited waits per-key exponential backoff until forget(key).
 */
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../core/backoff.ts';

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else this.queue.push(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, ms);
    this.timers.add(t);
  }

  addRateLimited(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, backoffDelay(n, this.policy));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  get length(): number {
    return this.queue.length;
  }

  /** The next key, or undefined once shut down. Call done(key) when finished with it. */
  async get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return key;
    }
    if (this.shuttingDown) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}

/**
 * Runs `workers` loops taking keys from the queue; a thrown error requeues the key with
 * backoff, success forgets its failures. Resolves when the queue shuts down.
 */
export async function runWorkers(queue: WorkQueue, workers: number, handle: (key: string) => Promise<void>, log?: (line: string) => void): Promise<void> {
  const loop = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await handle(key);
        queue.forget(key);
      } catch (error) {
        log?.(`error syncing ${key}: ${error instanceof Error ? error.message : String(error)}; requeued`);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
