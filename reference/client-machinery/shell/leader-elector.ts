/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection:
 * candidates try every retryPeriod; the leader renews every retryPeriod and gives up when
 * it could not renew for renewDeadline (it must then stop acting: upstream components exit).
 * As client-go bounds its renew loop by a renewDeadline context, an attempt that hangs (a
 * request to a dead server) does not keep a stale leader acting: the deadline counts while
 * the request is still out. Writes carry the resourceVersion read, so two candidates racing
 * for an expired lease cannot both win (the apiserver answers the loser 409). On stop(), or
 * when the work ends by itself, the leader releases the lease (ReleaseOnCancel) so a standby
 * takes over at once instead of after leaseDuration.
 *
 * One LeaderElector is one candidacy: run() campaigns, leads once and returns. Campaigning
 * again after a lost term is the caller's choice (runComponent does, with a new identity).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ApiError, type KubeApi, type KubeObject } from '../../../src/ports/kube-api.ts';
import { LEASE } from '../core/api-types.ts';
import { decideLease, microTime, type LeaseSpec } from '../core/lease-decision.ts';

export interface LeaderElectionConfig {
  leaseName: string;
  leaseNamespace: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log?: (line: string) => void;
  now?: () => number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export class LeaderElector {
  private observed: { rv: string; holder: string; renew: string } | undefined;
  private observedAt = 0;
  private stopping = false;
  private leading = false;
  private readonly wake = new AbortController();

  constructor(
    private readonly api: KubeApi,
    private readonly config: LeaderElectionConfig,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private now(): number {
    return (this.config.now ?? Date.now)();
  }

  /**
   * Blocks until this candidate leads, runs `lead` with a signal aborted when leadership is
   * lost or stop() is called, and resolves once leading ended: 'lost' (no renewal within
   * renewDeadline, or someone else holds the Lease), 'stopped' (stop()), or 'finished' (`lead`
   * returned or threw while still leading: nothing acts for this leader any more).
   */
  async run(lead: (signal: AbortSignal) => void | Promise<void>): Promise<'lost' | 'stopped' | 'finished'> {
    while (!this.stopping && !(await this.tryAcquireOrRenew())) await this.sleep(this.config.retryPeriodMs);
    if (this.stopping) return 'stopped';
    this.leading = true;
    this.config.log?.(`successfully acquired lease ${this.config.leaseNamespace}/${this.config.leaseName} as ${this.config.identity}`);
    const leadership = new AbortController();
    // Wakes the renew loop's sleep when the work ends by itself, or on stop().
    const workEnded = new AbortController();
    const wakeTerm = new AbortController();
    const onStop = (): void => wakeTerm.abort();
    this.wake.signal.addEventListener('abort', onStop, { once: true });
    const work = Promise.resolve()
      .then(() => lead(leadership.signal))
      .catch((error: unknown) => this.config.log?.(`leading ${this.config.leaseName} failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        workEnded.abort();
        wakeTerm.abort();
      });
    let lastRenew = this.now();
    let outcome: 'lost' | 'stopped' | 'finished' = 'stopped';
    while (!this.stopping) {
      await this.sleep(this.config.retryPeriodMs, wakeTerm.signal);
      if (this.stopping) break;
      if (workEnded.signal.aborted) {
        outcome = 'finished';
        break;
      }
      const deadline = lastRenew + this.config.renewDeadlineMs;
      if (await this.withDeadline(this.tryAcquireOrRenew(), deadline)) {
        lastRenew = this.now();
      } else if (this.now() >= deadline || this.heldBySomeoneElse()) {
        outcome = 'lost';
        break;
      }
    }
    this.wake.signal.removeEventListener('abort', onStop);
    this.leading = false;
    leadership.abort();
    this.config.log?.(
      outcome === 'lost' ? `leaderelection lost for ${this.config.leaseName}` : outcome === 'finished' ? `work ended; stopped leading ${this.config.leaseName}` : `stopped leading ${this.config.leaseName}`,
    );
    await work;
    if (outcome !== 'lost') await this.release();
    return outcome;
  }

  stop(): void {
    this.stopping = true;
    this.wake.abort();
  }

  private heldBySomeoneElse(): boolean {
    return this.observed !== undefined && this.observed.holder !== '' && this.observed.holder !== this.config.identity;
  }

  /** Sleeps `ms`, less if `signal` (stop() by default) aborts. */
  private async sleep(ms: number, signal: AbortSignal = this.wake.signal): Promise<void> {
    await delay(ms, undefined, { signal }).catch(() => undefined);
  }

  /**
   * `attempt`'s answer, or false once `deadline` (epoch ms) passes first: a renewal that has
   * not come back by the renew deadline is no renewal. The attempt itself is left to finish.
   */
  private async withDeadline(attempt: Promise<boolean>, deadline: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, deadline - this.now()));
    });
    try {
      return await Promise.race([attempt, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private key(): { apiVersion: string; kind: string; name: string; namespace: string } {
    return { ...LEASE, name: this.config.leaseName, namespace: this.config.leaseNamespace };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    try {
      const lease = await this.api.get<Lease>(this.key());
      const now = this.now();
      if (lease !== undefined) {
        const seen = { rv: lease.metadata.resourceVersion ?? '', holder: lease.spec?.holderIdentity ?? '', renew: lease.spec?.renewTime ?? '' };
        if (this.observed === undefined || this.observed.holder !== seen.holder || this.observed.renew !== seen.renew) this.observedAt = now;
        this.observed = seen;
      }
      const decision = decideLease({
        current: lease?.spec,
        identity: this.config.identity,
        leaseDurationSeconds: Math.max(1, Math.round(this.config.leaseDurationMs / 1000)),
        now,
        observedAt: this.observedAt,
      });
      if (decision.action === 'wait') return false;
      if (decision.action === 'create') {
        await this.api.create<Lease>({ ...LEASE, metadata: { name: this.config.leaseName, namespace: this.config.leaseNamespace }, spec: decision.spec });
      } else {
        const updated = await this.api.update<Lease>({ ...(lease as Lease), apiVersion: LEASE.apiVersion, kind: LEASE.kind, spec: decision.spec });
        if (decision.acquired) this.config.log?.(`took over lease ${this.config.leaseName} (transitions ${decision.spec.leaseTransitions ?? 0})`);
        this.observed = { rv: updated.metadata.resourceVersion ?? '', holder: this.config.identity, renew: decision.spec.renewTime ?? '' };
      }
      this.observedAt = now;
      return true;
    } catch (error) {
      // 409: someone else wrote first; anything else: apiserver unreachable. Either way, not leader now.
      if (!(error instanceof ApiError && error.status === 409)) this.config.log?.(`lease ${this.config.leaseName}: ${String(error)}`);
      return false;
    }
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.api.get<Lease>(this.key());
      if (lease?.spec?.holderIdentity !== this.config.identity) return;
      const now = microTime(this.now());
      await this.api.update<Lease>({ ...lease, apiVersion: LEASE.apiVersion, kind: LEASE.kind, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now } });
      this.config.log?.(`released lease ${this.config.leaseName}`);
    } catch (error) {
      this.config.log?.(`releasing lease ${this.config.leaseName} failed: ${String(error)}`);
    }
  }
}
