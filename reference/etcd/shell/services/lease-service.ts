/**
 * etcdserverpb.Lease. Grants, revocations and keep-alives go through the log (a keep-alive
 * renews the lease's deadline on every member, so a new leader need not be told separately).
 */
import { randomBytes } from 'node:crypto';
import type { ServerDuplexStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { EtcdMember } from '../etcd-member.ts';
import { buf } from '../wire-codec.ts';
import { unary } from './unary.ts';

/** A positive id below 2^53, so it survives every JS client as a number. */
function newLeaseId(): number {
  return Number(randomBytes(8).readBigUInt64BE(0) % (2n ** 52n)) + 1;
}

export function leaseService(member: EtcdMember): UntypedServiceImplementation {
  const leases = member.state.store.leases;
  return {
    LeaseGrant: unary(async (req: { TTL: string; ID: string }) => {
      const id = Number(req.ID) > 0 ? Number(req.ID) : newLeaseId();
      const applied = await member.propose({ type: 'lease-grant', id, ttl: Number(req.TTL) });
      return { header: { ...member.header(), revision: String(applied.revision) }, ID: String(id), TTL: String(applied.ttl ?? req.TTL), error: '' };
    }),
    LeaseRevoke: unary(async (req: { ID: string }) => {
      const applied = await member.propose({ type: 'lease-revoke', id: Number(req.ID) });
      return { header: { ...member.header(), revision: String(applied.revision) } };
    }),
    LeaseKeepAlive: (stream: ServerDuplexStream<{ ID: string }, unknown>) => {
      stream.on('data', (req: { ID: string }) => {
        member.propose({ type: 'lease-renew', id: Number(req.ID) }).then(
          (applied) => stream.write({ header: member.header(), ID: req.ID, TTL: String(applied.ttl ?? 0) }),
          // etcd answers a keep-alive for an unknown lease with TTL 0 rather than an error.
          () => stream.write({ header: member.header(), ID: req.ID, TTL: '0' }),
        );
      });
      stream.on('end', () => stream.end());
      stream.on('error', () => undefined);
    },
    LeaseTimeToLive: unary(async (req: { ID: string; keys: boolean }) => {
      await member.linearize();
      const id = Number(req.ID);
      const lease = leases.get(id);
      if (lease === undefined) return { header: member.header(), ID: req.ID, TTL: '-1', grantedTTL: '0', keys: [] };
      return {
        header: member.header(), ID: req.ID, TTL: String(leases.remainingSeconds(id, Date.now())), grantedTTL: String(lease.ttl),
        keys: req.keys ? [...lease.keys].sort().map(buf) : [],
      };
    }),
    LeaseLeases: unary(async () => {
      await member.linearize();
      return { header: member.header(), leases: leases.ids().map((id) => ({ ID: String(id) })) };
    }),
  };
}
