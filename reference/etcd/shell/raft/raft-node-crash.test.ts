// Members as child processes, killed with SIGKILL mid-write: every acknowledged write must
// be there after the restart (WAL fsync before acknowledging and before sending).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../../../src/process/free-port.ts';
import { MemberProcessHandle } from './testing/member-process-handle.ts';
import type { MemberProcessConfig } from './testing/raft-member-process.ts';
import { waitFor } from './testing/test-cluster.ts';

async function setup(size: number, t: { after(fn: () => Promise<void>): void }) {
  const root = await mkdtemp(join(tmpdir(), 'kck-raft-crash-'));
  const peers: Array<{ id: string; peerUrl: string }> = [];
  for (let i = 1; i <= size; i++) peers.push({ id: String(i), peerUrl: `http://127.0.0.1:${await freePort()}` });
  const configs = peers.map((p): MemberProcessConfig => ({ id: p.id, peers, listenPeerUrl: p.peerUrl, dataDir: join(root, `m${p.id}`), snapshotCount: 100 }));
  const procs = new Map<string, MemberProcessHandle>();
  t.after(async () => {
    for (const p of procs.values()) await p.kill();
    await rm(root, { recursive: true, force: true });
  });
  return { configs, procs };
}

function allAcked(procs: Iterable<MemberProcessHandle>, extra: Map<string, number>[] = []): Set<string> {
  const out = new Set<string>();
  for (const p of procs) for (const v of p.acked.keys()) out.add(v);
  for (const m of extra) for (const v of m.keys()) out.add(v);
  return out;
}

test('single member SIGKILLed mid-write keeps every acknowledged write', async (t) => {
  const { configs, procs } = await setup(1, t);
  const cfg = configs[0];
  assert.ok(cfg);
  let p = await MemberProcessHandle.start(cfg);
  procs.set('1', p);
  for (let i = 0; i < 300; i++) p.put(`w${i}`);
  await waitFor('some writes acknowledged', 30000, () => p.acked.size >= 50);
  await p.kill();
  const acked = new Map(p.acked);
  p = await MemberProcessHandle.start(cfg);
  procs.set('1', p);
  const state = await p.state();
  for (const v of acked.keys()) assert.ok(state.includes(v), `acknowledged ${v} survived`);
  // Order as acknowledged: the index each write got is its position in the replayed list.
  for (const [v, index] of acked) assert.ok(state.indexOf(v) >= 0 && index > 0);
});

test('3 members as processes: SIGKILL the leader under load, restart it, nothing acknowledged is lost', async (t) => {
  const { configs, procs } = await setup(3, t);
  const starts = await Promise.all(configs.map((c) => MemberProcessHandle.start(c)));
  starts.forEach((p, i) => procs.set(configs[i]?.id ?? '', p));
  const status = async () => Promise.all([...procs.entries()].filter(([, p]) => !p.exited).map(async ([id, p]) => ({ id, ...(await p.status()) })));
  const leaderId = async (): Promise<string> => {
    let found = '';
    const end = Date.now() + 30000;
    while (Date.now() < end) {
      const l = (await status()).find((s) => s.role === 'leader');
      if (l !== undefined) { found = l.id; break; }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(found !== '', 'a leader is elected');
    return found;
  };
  const l1 = await leaderId();
  let n = 0;
  const load = (count: number) => {
    for (let i = 0; i < count; i++) {
      const live = [...procs.values()].filter((p) => !p.exited);
      live[i % live.length]?.put(`x${n++}`);
    }
  };
  // Keep writing through every live member while we kill and restart.
  const pump = setInterval(() => load(6), 40);
  t.after(() => clearInterval(pump));
  await waitFor('writes flowing', 30000, () => allAcked(procs.values()).size >= 100);
  const killed = procs.get(l1);
  assert.ok(killed);
  await killed.kill();
  const ackedBefore = new Map(killed.acked);
  const mark = n;
  const survivors = [...procs.values()].filter((p) => !p.exited);
  await waitFor('survivors acknowledge writes after the kill', 30000, () => survivors.some((p) => [...p.acked.keys()].some((v) => Number(v.slice(1)) >= mark)));
  const cfg = configs.find((c) => c.id === l1);
  assert.ok(cfg);
  const restarted = await MemberProcessHandle.start(cfg);
  procs.set(l1, restarted);
  await waitFor('the restarted member acknowledges writes', 30000, () => restarted.acked.size > 0);
  clearInterval(pump);
  // Let in-flight proposals settle (acknowledged or timed out) before comparing.
  await waitFor('writes settle', 30000, () => [...procs.values()].every((p) => p.exited || p.acked.size + p.failed.size === p.sent));
  const acked = allAcked(procs.values(), [ackedBefore]);
  const states = await (async () => {
    const end = Date.now() + 30000;
    for (;;) {
      const all = await Promise.all([...procs.values()].map((p) => p.state()));
      if (all.every((s) => [...acked].every((v) => s.includes(v)))) return all;
      if (Date.now() > end) return all;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  for (const s of states) for (const v of acked) assert.ok(s.includes(v), `acknowledged ${v} is on every member`);
  // Same order everywhere: every member's list is a prefix of the longest.
  const longest = states.reduce((a, b) => (b.length > a.length ? b : a), []);
  for (const s of states) assert.deepEqual(s, longest.slice(0, s.length));
  // No duplicates: a write is applied once.
  assert.equal(new Set(longest).size, longest.length);
});
