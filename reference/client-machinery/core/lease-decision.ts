/**
 * Leader election on a coordination.k8s.io/v1 Lease, the decision part of client-go's
 * tryAcquireOrRenew. Another holder's lease counts as expired only when the record has not
 * changed for leaseDuration measured on OUR clock since we first saw it (observedAt), so
 * clock skew between machines cannot make two candidates lead at once.
 */

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export type LeaseDecision =
  | { action: 'create'; spec: LeaseSpec }
  | { action: 'update'; spec: LeaseSpec; acquired: boolean }
  | { action: 'wait'; holder: string };

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export function decideLease(input: {
  current: LeaseSpec | undefined;
  identity: string;
  leaseDurationSeconds: number;
  now: number;
  /** When this candidate last saw `current` change (its own clock). */
  observedAt: number;
}): LeaseDecision {
  const { current, identity, leaseDurationSeconds, now, observedAt } = input;
  const nowTime = microTime(now);
  if (current === undefined) {
    return { action: 'create', spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: nowTime, renewTime: nowTime, leaseTransitions: 0 } };
  }
  const holder = current.holderIdentity ?? '';
  const duration = (current.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
  if (holder !== '' && holder !== identity && observedAt + duration > now) return { action: 'wait', holder };
  if (holder === identity) {
    return { action: 'update', acquired: false, spec: { ...current, leaseDurationSeconds, renewTime: nowTime } };
  }
  return {
    action: 'update',
    acquired: true,
    spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: nowTime, renewTime: nowTime, leaseTransitions: (current.leaseTransitions ?? 0) + 1 },
  };
}
