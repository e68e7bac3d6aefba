/**
 * The state an etcd member replicates: the MVCC store (with its leases) and the member list.
 * `apply` is deterministic given the log; only lease deadlines use the `nowMs` the shell
 * passes, and those matter only on the leader (see lease-table.ts).
 */
import type { Command, CommandBody, MemberInfo } from './command.ts';
import { MvccError } from './mvcc/mvcc-error.ts';
import { MvccStore, type MvccSnapshot } from './mvcc/mvcc-store.ts';
import type { TxnResult } from './mvcc/types.ts';

export type ApplyResult =
  | { ok: true; txn?: TxnResult; ttl?: number; revision: number }
  | { ok: false; code: string; message: string; revision: number };

export interface StateSnapshot {
  store: MvccSnapshot;
  members: MemberInfo[];
}

export class EtcdStateMachine {
  readonly store = new MvccStore();
  readonly members = new Map<string, MemberInfo>();

  apply(command: Command | CommandBody, nowMs: number): ApplyResult {
    try {
      return { ok: true, ...this.run(command, nowMs), revision: this.store.revision };
    } catch (error) {
      if (error instanceof MvccError) return { ok: false, code: error.code, message: error.message, revision: this.store.revision };
      throw error;
    }
  }

  private run(command: CommandBody, nowMs: number): { txn?: TxnResult; ttl?: number } {
    switch (command.type) {
      case 'txn':
        return { txn: this.store.txn(command.request) };
      case 'compact':
        this.store.compact(command.revision);
        return {};
      case 'lease-grant':
        this.store.leases.grant(command.id, command.ttl, nowMs);
        return { ttl: command.ttl };
      case 'lease-revoke':
        this.store.revokeLease(command.id);
        return {};
      case 'lease-renew':
        return { ttl: this.store.leases.renew(command.id, nowMs) };
      case 'member-publish': {
        const known = this.members.get(command.member.id);
        // A member that publishes its client URLs keeps the peer URLs it was added with.
        this.members.set(command.member.id, known === undefined ? command.member : { ...known, ...command.member, peerURLs: command.member.peerURLs.length > 0 ? command.member.peerURLs : known.peerURLs });
        return {};
      }
      case 'member-remove':
        this.members.delete(command.id);
        return {};
    }
  }

  snapshot(): StateSnapshot {
    return { store: this.store.snapshot(), members: [...this.members.values()] };
  }

  restore(snapshot: StateSnapshot, nowMs: number): void {
    this.store.restore(snapshot.store, nowMs);
    this.members.clear();
    for (const m of snapshot.members) this.members.set(m.id, m);
  }
}
