/**
 * Waits for every task, then fails with the first failure: unlike Promise.all, no task is
 * still starting a process when the caller's clean-up runs.
 */
export async function settleAll<T>(tasks: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
