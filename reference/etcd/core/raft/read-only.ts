/**
 * ReadIndex bookkeeping on the leader (Raft thesis §6.4): a read request remembers the commit
 * index at arrival; once a quorum answered a heartbeat carrying the request's context, the
 * leader knows it was still leader at that moment and the read may be served at that index.
 * Requests are acknowledged in arrival order: a quorum for a later one covers earlier ones.
 */
export interface ReadRequest {
  context: string;
  index: number;
  /** Who asked: the leader itself or a follower that forwarded the request. */
  from: bigint;
  acks: Set<bigint>;
}

export class ReadOnly {
  private queue: ReadRequest[] = [];

  add(context: string, index: number, from: bigint, self: bigint): void {
    if (this.queue.some((r) => r.context === context)) return;
    this.queue.push({ context, index, from, acks: new Set([self]) });
  }

  /** Record a heartbeat ack; returns the requests released by it (oldest first). */
  ack(context: string, from: bigint, isQuorum: (acks: ReadonlySet<bigint>) => boolean): ReadRequest[] {
    const at = this.queue.findIndex((r) => r.context === context);
    const req = this.queue[at];
    if (req === undefined) return [];
    req.acks.add(from);
    if (!isQuorum(req.acks)) return [];
    return this.queue.splice(0, at + 1);
  }

  lastContext(): string {
    return this.queue[this.queue.length - 1]?.context ?? '';
  }

  reset(): void {
    this.queue = [];
  }
}
