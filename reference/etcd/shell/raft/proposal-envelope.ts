/**
 * Wraps proposal data as `[u8 version][u64 proposer][u64 seq][payload]` so that the member
 * that proposed an entry recognises it when it is applied (a follower's proposal is
 * forwarded to the leader and its log index is never reported back).
 */
export class ProposalEnvelope {
  private seq = 0n;
  constructor(private readonly node: bigint) {}

  wrap(payload: Uint8Array): { seq: bigint; bytes: Uint8Array } {
    const seq = ++this.seq;
    const bytes = Buffer.allocUnsafe(17 + payload.length);
    bytes.writeUInt8(1, 0);
    bytes.writeBigUInt64LE(this.node, 1);
    bytes.writeBigUInt64LE(seq, 9);
    bytes.set(payload, 17);
    return { seq, bytes };
  }

  open(data: Uint8Array): { node: bigint; seq: bigint; payload: Uint8Array } {
    const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (b.length < 17 || b.readUInt8(0) !== 1) throw new Error('raft: entry without a proposal envelope');
    return { node: b.readBigUInt64LE(1), seq: b.readBigUInt64LE(9), payload: data.subarray(17) };
  }
}
