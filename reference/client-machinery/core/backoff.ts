/**
 * Per-item exponential backoff, as client-go's ItemExponentialFailureRateLimiter: the n-th
 * consecutive failure of an item waits base * 2^(n-1), capped. Pure: the queue keeps counts.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5, maxMs: 1000 * 1000 };

export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (failures <= 0) return 0;
  const exp = Math.min(failures - 1, 52);
  return Math.min(policy.baseMs * 2 ** exp, policy.maxMs);
}
