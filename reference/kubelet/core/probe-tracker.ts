/**
 * Probe results to decisions, per container and probe kind, with the API's thresholds:
 * readiness flips after successThreshold successes or failureThreshold failures in a row;
 * liveness (and startup) fail after failureThreshold failures in a row. Until a startup
 * probe has succeeded, liveness and readiness are not run (the kubelet's rule).
 */
import type { Probe } from './pod-types.ts';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

interface Track { successes: number; failures: number; state: boolean }

export class ProbeTracker {
  private readonly tracks = new Map<string, Track>();

  private key(container: string, kind: ProbeKind): string { return `${container}/${kind}`; }

  /** Records one probe outcome; returns the state after it (true: ready/alive/started). */
  record(container: string, kind: ProbeKind, probe: Probe, success: boolean): boolean {
    const key = this.key(container, kind);
    // readiness starts false; liveness starts true (alive until proven otherwise); startup false.
    const t = this.tracks.get(key) ?? { successes: 0, failures: 0, state: kind === 'liveness' };
    if (success) { t.successes++; t.failures = 0; } else { t.failures++; t.successes = 0; }
    if (success && t.successes >= (kind === 'readiness' ? probe.successThreshold ?? 1 : 1)) t.state = true;
    if (!success && t.failures >= (probe.failureThreshold ?? 3)) t.state = false;
    this.tracks.set(key, t);
    return t.state;
  }

  state(container: string, kind: ProbeKind): boolean | undefined {
    return this.tracks.get(this.key(container, kind))?.state;
  }

  /** A restarted container starts its probes afresh. */
  reset(container: string): void {
    for (const kind of ['liveness', 'readiness', 'startup'] as const) this.tracks.delete(this.key(container, kind));
  }
}
