/** etcdserverpb.Maintenance: Status (what `etcdctl endpoint status` prints) and an empty alarm list. */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { EtcdMember } from '../etcd-member.ts';
import { unary } from './unary.ts';

/** Reported as the server version; etcdctl only prints it. */
export const REFERENCE_VERSION = '3.4.0-kck';

export function maintenanceService(member: EtcdMember): UntypedServiceImplementation {
  return {
    Status: unary(() => {
      const s = member.status();
      // No bolt database here; report the size of the state as it would be snapshotted.
      const dbSize = Buffer.byteLength(JSON.stringify(member.state.snapshot()));
      return Promise.resolve({
        header: member.header(), version: REFERENCE_VERSION, dbSize: String(dbSize), dbSizeInUse: String(dbSize),
        leader: (s.leaderId ?? 0n).toString(), raftIndex: s.commitIndex.toString(), raftTerm: s.term.toString(),
        raftAppliedIndex: s.appliedIndex.toString(), errors: [], isLearner: false,
      });
    }),
    Alarm: unary(() => Promise.resolve({ header: member.header(), alarms: [] })),
  };
}
