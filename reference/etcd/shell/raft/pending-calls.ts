/**
 * Promises with a deadline whose bookkeeping (map entries, retry hooks) is undone however
 * they settle: resolved, timed out, or failed all at once when the member stops.
 */
export class PendingCalls {
  private readonly rejects = new Set<(err: Error) => void>();

  /** `body` gets `resolve` and `onSettle` (register cleanups); `timeoutError` builds the
   *  rejection when `timeoutMs` passes first. */
  start<T>(
    timeoutMs: number,
    timeoutError: () => Error,
    body: (resolve: (v: T) => void, onSettle: (cleanup: () => void) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cleanups: Array<() => void> = [];
      let settled = false;
      const finish = (): void => {
        settled = true;
        clearTimeout(timer);
        this.rejects.delete(rejectNow);
        for (const c of cleanups) c();
      };
      const rejectNow = (err: Error): void => {
        if (settled) return;
        finish();
        reject(err);
      };
      const timer = setTimeout(() => rejectNow(timeoutError()), timeoutMs);
      this.rejects.add(rejectNow);
      body(
        (v) => {
          if (settled) return;
          finish();
          resolve(v);
        },
        (fn) => {
          if (settled) fn();
          else cleanups.push(fn);
        },
      );
    });
  }

  failAll(err: Error): void {
    for (const r of [...this.rejects]) r(err);
  }
}
