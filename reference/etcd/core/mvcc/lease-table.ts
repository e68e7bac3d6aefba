/**
 * Leases: a TTL, the keys attached, and a local expiry deadline. Deadlines use the time the
 * caller passes in (the shell's clock), so each member's table agrees on which leases exist
 * and which keys they hold (those change only through applied log entries) while only the
 * leader's deadlines matter: the leader proposes the revocation of an expired lease, exactly
 * as etcd's lessor does. A new leader extends every lease by its full TTL ("promote").
 */
import { MvccError } from './mvcc-error.ts';

export interface Lease {
  id: number;
  ttl: number;
  keys: Set<string>;
  expiresAtMs: number;
}

export interface LeaseSnapshot {
  id: number;
  ttl: number;
  keys: string[];
}

export class LeaseTable {
  private readonly leases = new Map<number, Lease>();

  get(id: number): Lease | undefined {
    return this.leases.get(id);
  }

  ids(): number[] {
    return [...this.leases.keys()].sort((a, b) => a - b);
  }

  grant(id: number, ttl: number, nowMs: number): Lease {
    if (this.leases.has(id)) throw new MvccError('lease-exists');
    const lease: Lease = { id, ttl, keys: new Set(), expiresAtMs: nowMs + ttl * 1000 };
    this.leases.set(id, lease);
    return lease;
  }

  remove(id: number): Lease {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new MvccError('lease-not-found');
    this.leases.delete(id);
    return lease;
  }

  /** Keep-alive: the lease lives another full TTL from now. Returns the TTL. */
  renew(id: number, nowMs: number): number {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new MvccError('lease-not-found');
    lease.expiresAtMs = nowMs + lease.ttl * 1000;
    return lease.ttl;
  }

  /** Seconds left, rounded down as etcd reports them (never below 0). */
  remainingSeconds(id: number, nowMs: number): number {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new MvccError('lease-not-found');
    return Math.max(0, Math.floor((lease.expiresAtMs - nowMs) / 1000));
  }

  /** A new leader gives every lease its full TTL again, so none expires for lack of keep-alives sent to the old one. */
  promote(nowMs: number): void {
    for (const lease of this.leases.values()) lease.expiresAtMs = nowMs + lease.ttl * 1000;
  }

  expired(nowMs: number): number[] {
    return [...this.leases.values()].filter((l) => l.expiresAtMs <= nowMs).map((l) => l.id).sort((a, b) => a - b);
  }

  attach(id: number, key: string): void {
    this.leases.get(id)?.keys.add(key);
  }

  detach(id: number, key: string): void {
    this.leases.get(id)?.keys.delete(key);
  }

  snapshot(): LeaseSnapshot[] {
    return [...this.leases.values()].map((l) => ({ id: l.id, ttl: l.ttl, keys: [...l.keys] }));
  }

  restore(leases: readonly LeaseSnapshot[], nowMs: number): void {
    this.leases.clear();
    for (const l of leases) this.leases.set(l.id, { id: l.id, ttl: l.ttl, keys: new Set(l.keys), expiresAtMs: nowMs + l.ttl * 1000 });
  }
}
