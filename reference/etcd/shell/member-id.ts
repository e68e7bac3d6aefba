/**
 * Member and cluster ids as etcd derives them: the first 8 bytes (big-endian) of a SHA-1
 * over the member's sorted peer URLs and the cluster token, and over the sorted member ids.
 */
import { createHash } from 'node:crypto';

function first8(hash: Buffer): bigint {
  return hash.readBigUInt64BE(0);
}

export function memberIdOf(peerURLs: readonly string[], clusterToken: string): bigint {
  return first8(createHash('sha1').update([...peerURLs].sort().join('') + clusterToken).digest());
}

export function clusterIdOf(memberIds: readonly bigint[]): bigint {
  const buf = Buffer.alloc(8 * memberIds.length);
  [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).forEach((id, i) => buf.writeBigUInt64BE(id, 8 * i));
  return first8(createHash('sha1').update(buf).digest());
}
