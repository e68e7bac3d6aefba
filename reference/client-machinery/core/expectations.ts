/**
 * Controller expectations (upstream controller.ControllerExpectations): after a controller
 * asks for n creations or deletions under a key, it must not act on that key again until its
 * informer has shown it those n changes, or the expectations expire (the writes may have
 * failed silently). This is what keeps a ReplicaSet from creating twice before its cache
 * catches up. Pure: the caller passes `now`.
 */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Expectation {
  adds: number;
  deletes: Set<string>;
  setAt: number;
}

export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly ttlMs = EXPECTATIONS_TTL_MS) {}

  expectCreations(key: string, count: number, now: number): void {
    const e = this.byKey.get(key);
    if (e !== undefined && this.pending(e)) e.adds += count;
    else this.byKey.set(key, { adds: count, deletes: new Set(), setAt: now });
  }

  expectDeletions(key: string, uids: readonly string[], now: number): void {
    const e = this.byKey.get(key);
    if (e !== undefined && this.pending(e)) for (const u of uids) e.deletes.add(u);
    else this.byKey.set(key, { adds: 0, deletes: new Set(uids), setAt: now });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e !== undefined && e.adds > 0) e.adds--;
  }

  /** A failed create will never be observed: lower the expectation at once. */
  creationFailed(key: string): void {
    this.creationObserved(key);
  }

  deletionObserved(key: string, uid: string): void {
    this.byKey.get(key)?.deletes.delete(uid);
  }

  /** True when the controller may reconcile `key`: nothing outstanding, or it expired. */
  satisfied(key: string, now: number): boolean {
    const e = this.byKey.get(key);
    if (e === undefined || !this.pending(e)) return true;
    return now - e.setAt > this.ttlMs;
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }

  private pending(e: Expectation): boolean {
    return e.adds > 0 || e.deletes.size > 0;
  }
}
