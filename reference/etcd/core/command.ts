/**
 * The entries of the replicated log: every change to an etcd member's state is one of these,
 * proposed by some member and applied by all in log order. `requestId` lets the proposing
 * member hand the apply result back to the waiting client call.
 */
import type { TxnRequest } from './mvcc/types.ts';

export interface MemberInfo {
  /** uint64 as decimal string. */
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export type CommandBody =
  | { type: 'txn'; request: TxnRequest }
  | { type: 'compact'; revision: number }
  | { type: 'lease-grant'; id: number; ttl: number }
  | { type: 'lease-revoke'; id: number }
  | { type: 'lease-renew'; id: number }
  | { type: 'member-publish'; member: MemberInfo }
  | { type: 'member-remove'; id: string };

export type Command = CommandBody & { requestId: string };
