/**
 * Crash-loop back-off, as the kubelet does it: the first restart of a container is
 * immediate; each further one waits twice as long as the previous, from 10 s up to 300 s.
 * Time is passed in (ms); the core never reads a clock.
 */
export interface BackoffEntry { delayMs: number; until: number }

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

export class Backoff {
  private readonly entries = new Map<string, BackoffEntry>();

  constructor(private readonly initialMs = BACKOFF_INITIAL_MS, private readonly maxMs = BACKOFF_MAX_MS) {}

  /** Whether a restart of `key` must wait at `now`; the time it may restart if so. */
  waitUntil(key: string, now: number): number | undefined {
    const e = this.entries.get(key);
    return e && now < e.until ? e.until : undefined;
  }

  /** Records a restart at `now`: the next one waits longer. */
  restarted(key: string, now: number): void {
    const e = this.entries.get(key);
    const delayMs = e ? Math.min(e.delayMs * 2, this.maxMs) : this.initialMs;
    this.entries.set(key, { delayMs, until: now + delayMs });
  }

  forget(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
