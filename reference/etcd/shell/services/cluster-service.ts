/** etcdserverpb.Cluster: membership changes are Raft configuration changes plus a replicated member record. */
import { status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { EtcdServerError } from '../etcd-server-error.ts';
import type { EtcdMember } from '../etcd-member.ts';
import { memberOut } from '../wire-codec.ts';
import { unary } from './unary.ts';

export function clusterService(member: EtcdMember, newMemberId: (peerURLs: readonly string[]) => bigint): UntypedServiceImplementation {
  const list = (): Array<Record<string, unknown>> => [...member.state.members.values()].map(memberOut);
  return {
    MemberList: unary(async () => {
      await member.linearize();
      return { header: member.header(), members: list() };
    }),
    MemberAdd: unary(async (req: { peerURLs: string[]; isLearner: boolean }) => {
      if (req.isLearner) throw new EtcdServerError(status.UNIMPLEMENTED, 'etcdserver: learners are not supported by the reference etcd');
      const peerUrl = req.peerURLs[0];
      if (peerUrl === undefined) throw new EtcdServerError(status.INVALID_ARGUMENT, 'etcdserver: member peer URLs must be given');
      await member.linearize();
      for (const m of member.state.members.values()) {
        if (m.peerURLs.some((u) => req.peerURLs.includes(u))) throw new EtcdServerError(status.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists');
      }
      const id = newMemberId(req.peerURLs);
      const info = { id: id.toString(), name: '', peerURLs: req.peerURLs, clientURLs: [], isLearner: false };
      await member.addMember(id, peerUrl, info);
      return { header: member.header(), member: memberOut(info), members: list() };
    }),
    MemberRemove: unary(async (req: { ID: string }) => {
      await member.linearize();
      if (!member.state.members.has(req.ID)) throw new EtcdServerError(status.NOT_FOUND, 'etcdserver: member not found');
      await member.removeMember(BigInt(req.ID));
      return { header: member.header(), members: list() };
    }),
    MemberUpdate: unary(() => Promise.reject(new EtcdServerError(status.UNIMPLEMENTED, 'etcdserver: member update is not supported by the reference etcd'))),
    MemberPromote: unary(() => Promise.reject(new EtcdServerError(status.UNIMPLEMENTED, 'etcdserver: learners are not supported by the reference etcd'))),
  };
}
