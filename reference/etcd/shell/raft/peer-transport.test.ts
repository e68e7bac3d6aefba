import assert from 'node:assert/strict';
import { test } from 'node:test';
import { message } from '../../core/raft/types.ts';
import type { Message } from '../../core/raft/types.ts';
import { PeerTransport } from './peer-transport.ts';
import { waitFor } from './testing/test-cluster.ts';

function endpoint(listenUrl: string, got: Message[], unreachable: bigint[]) {
  return PeerTransport.listen({ listenUrl, onMessage: (m) => got.push(m), onUnreachable: (p) => unreachable.push(p), onSnapshotStatus: () => undefined });
}

test('peer transport: frames arrive in order, a restarted peer is reconnected to', async (t) => {
  const gotA: Message[] = [];
  const gotB: Message[] = [];
  const unreachable: bigint[] = [];
  const a = await endpoint('http://127.0.0.1:0', gotA, unreachable);
  t.after(() => a.close());
  let b = await endpoint('http://127.0.0.1:0', gotB, []);
  t.after(() => b.close());
  const bUrl = b.url;
  assert.match(bUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  a.setPeers(new Map([[2n, bUrl]]));
  const big = new Uint8Array(300_000).fill(7);
  await waitFor('delivery', 20000, () => {
    a.send([message({ type: 'app', from: 1n, to: 2n, index: gotB.length, entries: [{ term: 1, index: 1, type: 'normal', data: big }] })]);
    return gotB.length >= 5;
  });
  // Messages sent on one connection keep their order.
  const indices = gotB.map((m) => m.index);
  assert.deepEqual(indices, [...indices].sort((x, y) => x - y));
  assert.equal(gotB[0]?.entries[0]?.data.length, 300_000);
  await b.close();
  await waitFor('peer reported unreachable', 20000, () => {
    a.send([message({ type: 'heartbeat', from: 1n, to: 2n })]);
    return unreachable.includes(2n);
  });
  gotB.length = 0;
  b = await endpoint(bUrl, gotB, []);
  await waitFor('reconnected after back-off', 20000, () => {
    a.send([message({ type: 'heartbeat', from: 1n, to: 2n, commit: 42 })]);
    return gotB.some((m) => m.commit === 42);
  });
});
