/**
 * Waiting in scenarios: retry a check until it holds or a deadline passes. Never a fixed
 * sleep. On timeout the error says what was awaited and what the check last saw.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** An error for which waiting longer cannot help (e.g. the process exited): rethrown at once. */
  isFatal?: (error: unknown) => boolean;
}

/**
 * KCK_TIMEOUT_SCALE stretches every deadline on slow machines: the default one and those a
 * caller names (a rollout's 120 s). Periods a check must hold for (consistently) are what a
 * scenario states, and are never stretched.
 */
export const TIMEOUT_SCALE = Number(process.env['KCK_TIMEOUT_SCALE'] ?? '1');

/** Default deadline for a condition. */
export const DEFAULT_TIMEOUT_MS = 30_000 * TIMEOUT_SCALE;

export class TimeoutError extends Error {
  constructor(description: string, timeoutMs: number, lastError: unknown) {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    super(`waited ${Math.round(timeoutMs / 1000)} s for ${description}; last saw: ${last}`);
    this.name = 'TimeoutError';
  }
}

export async function eventually<T>(description: string, check: () => Promise<T> | T, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : options.timeoutMs * TIMEOUT_SCALE;
  const deadline = performance.now() + timeoutMs;
  let interval = options.intervalMs ?? 50;
  let lastError: unknown = 'no attempt finished';
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (options.isFatal?.(error) === true) throw error;
      lastError = error;
    }
    if (performance.now() >= deadline) throw new TimeoutError(description, timeoutMs, lastError);
    // Poll interval backs off to at most 1 s: quick for fast targets, gentle for slow ones.
    await delay(Math.min(interval, Math.max(0, deadline - performance.now())));
    interval = Math.min(interval * 2, 1000);
  }
}

/** Checks that a condition keeps holding for a whole period (e.g. "stays Pending"). */
export async function consistently(description: string, check: () => Promise<void> | void, periodMs: number, intervalMs = 200): Promise<void> {
  const end = performance.now() + periodMs;
  for (;;) {
    try {
      await check();
    } catch (error) {
      throw new Error(`${description} stopped holding: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (performance.now() >= end) return;
    await delay(Math.min(intervalMs, end - performance.now()));
  }
}
