/**
 * The ReplicatedLog over the Raft node of shell/raft. The node's methods are reached through
 * the structural type below so this adapter keeps compiling while that node grows; its owner
 * keeps `propose`, `readBarrier`, `status`, `addMember`, `removeMember` and `stop` stable.
 */
import type { EtcdFlags } from '../core/etcd-flags.ts';
import { RaftNode, type RaftPeer, type RaftStatus } from './raft/raft-node.ts';
import type { LogCallbacks, ReplicatedLog } from './replicated-log.ts';

interface RaftNodeLike {
  propose(data: Uint8Array): Promise<unknown>;
  readBarrier(): Promise<unknown>;
  status(): RaftStatus;
  addMember(peer: RaftPeer): Promise<unknown>;
  removeMember(id: bigint): Promise<unknown>;
  stop(): Promise<void>;
  onLeaderChange?(listener: (leader: bigint | undefined) => void): void;
}

export interface RaftLogOptions {
  memberId: bigint;
  peers: RaftPeer[];
  listenPeerUrl: string;
  dataDir: string;
  flags: EtcdFlags;
  callbacks: LogCallbacks;
  log: (line: string) => void;
}

export async function startRaftLog(options: RaftLogOptions): Promise<ReplicatedLog> {
  const { callbacks } = options;
  let lastLeader: bigint | undefined;
  let node: RaftNodeLike | undefined;
  const noticeLeader = (): void => {
    const leader = node?.status().leaderId;
    if (leader !== lastLeader) {
      lastLeader = leader;
      callbacks.onLeaderChange?.(leader);
    }
  };
  const heartbeat = Math.max(10, options.flags.heartbeatIntervalMs);
  node = (await RaftNode.start({
    id: options.memberId,
    peers: options.peers,
    listenPeerUrl: options.listenPeerUrl,
    dataDir: options.dataDir,
    tickMs: heartbeat,
    electionTicks: Math.max(3, Math.round(options.flags.electionTimeoutMs / heartbeat)),
    heartbeatTicks: 1,
    apply: (entry) => callbacks.apply(entry.data),
    snapshot: () => callbacks.snapshot(),
    restore: (data) => callbacks.restore(data),
    log: options.log,
    onMembershipChange: (members) => options.log(`raft members: ${members.map((m) => m.id.toString(16)).join(',')}`),
    onRemoved: () => callbacks.onRemoved?.(),
  })) as unknown as RaftNodeLike;
  // Leadership is polled as well as observed, so the lease clock is promoted whichever way the node reports it.
  const timer = setInterval(noticeLeader, 50);
  timer.unref();
  node.onLeaderChange?.(() => noticeLeader());
  const n = node;
  return {
    propose: async (data) => {
      await n.propose(data);
    },
    readBarrier: async () => {
      await n.readBarrier();
    },
    status: () => {
      const s = n.status();
      return { memberId: s.id, leaderId: s.leaderId, term: s.term, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex };
    },
    addMember: async (id, peerUrl) => {
      await n.addMember({ id, peerUrl });
    },
    removeMember: async (id) => {
      await n.removeMember(id);
    },
    stop: async () => {
      clearInterval(timer);
      await n.stop();
    },
  };
}
