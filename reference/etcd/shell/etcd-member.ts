/**
 * One etcd member: the replicated state machine behind a ReplicatedLog, the proposals that
 * wait for their own apply result, lease expiry driven by the leader, and the response header.
 */
import { randomBytes } from 'node:crypto';
import type { Command, CommandBody, MemberInfo } from '../core/command.ts';
import { EtcdStateMachine, type ApplyResult, type StateSnapshot } from '../core/etcd-state-machine.ts';
import { fromApplyError, noLeader, requestTimedOut } from './etcd-server-error.ts';
import type { LogCallbacks, ReplicatedLog } from './replicated-log.ts';

export interface EtcdMemberOptions {
  memberId: bigint;
  clusterId: bigint;
  name: string;
  clientURLs: string[];
  /** Members known from --initial-cluster (seeded before the log is replayed). */
  initialMembers: MemberInfo[];
  startLog(callbacks: LogCallbacks): Promise<ReplicatedLog>;
  /** How long a proposal may wait for its commit; etcd's default is about 7 s. */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
  /** This member was removed from the cluster: it serves no more and should stop. */
  onRemoved?: () => void;
}

export interface WireHeader {
  cluster_id: string;
  member_id: string;
  revision: string;
  raft_term: string;
}

export class EtcdMember {
  readonly state = new EtcdStateMachine();
  private log: ReplicatedLog | undefined;
  private readonly pending = new Map<string, (result: ApplyResult) => void>();
  private sequence = 0;
  private readonly requestPrefix = randomBytes(6).toString('hex');
  private leaseTimer: NodeJS.Timeout | undefined;
  private publishTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(readonly options: EtcdMemberOptions) {
    for (const m of options.initialMembers) this.state.members.set(m.id, m);
  }

  get memberId(): bigint {
    return this.options.memberId;
  }

  async start(): Promise<void> {
    this.log = await this.options.startLog({
      apply: (data) => this.apply(data),
      snapshot: () => Buffer.from(JSON.stringify(this.state.snapshot())),
      restore: (data) => this.state.restore(JSON.parse(Buffer.from(data).toString()) as StateSnapshot, Date.now()),
      onRemoved: () => this.options.onRemoved?.(),
      onLeaderChange: (leader) => {
        this.options.log?.(`leader is now ${leader === undefined ? 'unknown' : leader.toString(16)}`);
        // A new leader restarts every lease's clock, as etcd's lessor Promote does.
        if (leader === this.memberId) this.state.store.leases.promote(Date.now());
      },
    });
    this.leaseTimer = setInterval(() => void this.revokeExpiredLeases(), 500);
    this.leaseTimer.unref();
    void this.publish();
  }

  private apply(data: Uint8Array): void {
    const command = JSON.parse(Buffer.from(data).toString()) as Command;
    const result = this.state.apply(command, Date.now());
    const waiter = this.pending.get(command.requestId);
    if (waiter !== undefined) {
      this.pending.delete(command.requestId);
      waiter(result);
    }
  }

  private requireLog(): ReplicatedLog {
    if (this.log === undefined) throw noLeader();
    return this.log;
  }

  /** Proposes a command and resolves with its apply result on this member. */
  async propose(body: CommandBody): Promise<Extract<ApplyResult, { ok: true }>> {
    const log = this.requireLog();
    // Like etcd's require-leader check: without a known leader the request is refused before
    // it is proposed, so the client may safely send it elsewhere.
    if (log.status().leaderId === undefined) throw noLeader();
    const requestId = `${this.requestPrefix}-${++this.sequence}`;
    const command: Command = { ...body, requestId };
    const timeoutMs = this.options.requestTimeoutMs ?? 7000;
    const result = await new Promise<ApplyResult>((resolve, reject) => {
      // Once proposed, a request may still commit after any failure here: it is reported as
      // timed out (indeterminate), never as "no leader" (which promises it was not proposed).
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(requestTimedOut());
      }, timeoutMs);
      this.pending.set(requestId, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      log.propose(Buffer.from(JSON.stringify(command))).catch(() => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(requestTimedOut());
      });
    });
    if (!result.ok) throw fromApplyError(result.code, result.message);
    return result;
  }

  /** Waits until local state reflects every write committed before the call (linearizable read). */
  async linearize(): Promise<void> {
    const log = this.requireLog();
    const timeoutMs = this.options.requestTimeoutMs ?? 7000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        log.readBarrier(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(log.status().leaderId === undefined ? noLeader() : requestTimedOut()), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  isLeader(): boolean {
    return this.log?.status().leaderId === this.memberId;
  }

  status(): ReturnType<ReplicatedLog['status']> {
    return this.requireLog().status();
  }

  header(): WireHeader {
    const status = this.log?.status();
    return {
      cluster_id: this.options.clusterId.toString(),
      member_id: this.memberId.toString(),
      revision: String(this.state.store.revision),
      raft_term: (status?.term ?? 0n).toString(),
    };
  }

  async addMember(id: bigint, peerUrl: string, info: MemberInfo): Promise<void> {
    await this.requireLog().addMember(id, peerUrl);
    await this.propose({ type: 'member-publish', member: info });
  }

  async removeMember(id: bigint): Promise<void> {
    await this.propose({ type: 'member-remove', id: id.toString() });
    await this.requireLog().removeMember(id);
  }

  /** The leader proposes the revocation of expired leases, so every member deletes the same keys. */
  private async revokeExpiredLeases(): Promise<void> {
    if (this.stopped || !this.isLeader()) return;
    for (const id of this.state.store.leases.expired(Date.now())) {
      try {
        await this.propose({ type: 'lease-revoke', id });
        this.options.log?.(`lease ${id} expired and was revoked`);
      } catch {
        // Lost leadership or already revoked: the next leader or tick retries.
      }
    }
  }

  /** Publishes this member's name and client URLs to the cluster, retrying until committed. */
  private async publish(): Promise<void> {
    if (this.stopped) return;
    const known = this.state.members.get(this.memberId.toString());
    try {
      await this.propose({
        type: 'member-publish',
        member: { id: this.memberId.toString(), name: this.options.name, peerURLs: known?.peerURLs ?? [], clientURLs: this.options.clientURLs, isLearner: false },
      });
      this.options.log?.('published member attributes');
    } catch {
      this.publishTimer = setTimeout(() => void this.publish(), 500);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.leaseTimer);
    clearTimeout(this.publishTimer);
    await this.log?.stop();
  }
}
