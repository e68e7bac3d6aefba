/**
 * The workload of the linearizability scenario: concurrent clients read, write and
 * compare-and-swap one key through the Etcd port while a fault loop kills, restarts and
 * isolates members. Every operation lands in a history for the checker (src/history).
 */
import assert from 'node:assert/strict';
import { eventually } from '../../src/world/eventually.ts';
import { HistoryRecorder } from '../../src/history/history.ts';
import type { RegisterInput, RegisterOutput } from '../../src/history/kv-register-model.ts';
import type { Etcd, EtcdCluster } from '../../src/ports/etcd.ts';

/** Errors that prove the request never reached a member (so it cannot have taken effect). */
function neverSent(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /No connection established|ECONNREFUSED|connect EHOSTUNREACH/.test(text);
}

/** Clients run for the workload's duration and on until the last fault has been repaired and waited out. */
async function runClient(id: number, etcd: Etcd, key: string, running: () => boolean, history: HistoryRecorder<RegisterInput, RegisterOutput>, random: () => number): Promise<void> {
  let n = 0;
  let lastSeen: string | null = null;
  while (running()) {
    const dice = random();
    if (dice < 0.4) {
      const out = await history.record(id, { type: 'read' }, async () => {
        const res = await etcd.range(key);
        return { value: res.kvs[0]?.value ?? null };
      }, () => true);
      if (out !== undefined && 'value' in out) lastSeen = out.value;
    } else if (dice < 0.8) {
      const value = `c${id}-${++n}`;
      await history.record(id, { type: 'write', value }, async () => {
        await etcd.put(key, value);
        return {};
      }, neverSent);
    } else {
      const from = lastSeen;
      const to = `c${id}-${++n}`;
      await history.record(id, { type: 'cas', from, to }, async () => {
        const res = await etcd.txn(
          from === null ? [{ key, target: 'version', result: 'equal', value: 0 }] : [{ key, target: 'value', result: 'equal', value: from }],
          [{ put: { key, value: to } }], [],
        );
        return { swapped: res.succeeded };
      }, neverSent);
    }
  }
}

/**
 * Each fault lasts until the cluster has visibly reacted (another member leads, or a leader
 * is back after the repair), not for a fixed time, so the history spans real elections.
 * Before each fault and after the last, the loop waits until the clients have acknowledged
 * operations again: a request stuck on an isolated or restarted member times out only after
 * seconds, and back-to-back faults would leave a history of timeouts with nothing to check.
 */
async function injectFaults(cluster: EtcdCluster, until: number, log: string[], acknowledged: () => number, clients: number): Promise<void> {
  let round = 0;
  const clientsProgress = async (): Promise<void> => {
    const before = acknowledged();
    await eventually('the clients to acknowledge operations since the last repair', () => {
      assert.ok(acknowledged() >= before + 4 * clients, `${acknowledged() - before} acknowledged`);
    }, { timeoutMs: 30_000, intervalMs: 100 });
  };
  const ledBy = async (description: string, members: readonly string[]): Promise<void> => {
    await eventually(description, async () => {
      const leader = await cluster.leader();
      assert.ok(leader !== undefined && members.includes(leader), `leader: ${leader ?? 'none'}`);
    }, { timeoutMs: 30_000, intervalMs: 200 });
  };
  await clientsProgress();
  while (performance.now() < until - 3000) {
    const leader = await cluster.leader();
    const victim = leader ?? cluster.memberNames[0];
    if (victim === undefined) return;
    const others = cluster.memberNames.filter((n) => n !== victim);
    if (round++ % 2 === 0) {
      log.push(`kill ${victim}`);
      await cluster.kill(victim);
      await ledBy(`a survivor of ${victim}'s crash to lead`, others);
      log.push(`restart ${victim}`);
      await cluster.restart(victim);
    } else {
      log.push(`isolate ${victim}`);
      await cluster.partition([[victim], others]);
      await ledBy(`the majority without ${victim} to elect a leader`, others);
      log.push('heal');
      await cluster.heal();
    }
    await ledBy('a leader after the repair', cluster.memberNames);
    await clientsProgress();
  }
}

/** A small seeded generator, so a failing run can be replayed with the printed seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function recordRegisterHistory(
  cluster: EtcdCluster, clients: number, key: string, seconds: number, seed: number,
): Promise<{ history: HistoryRecorder<RegisterInput, RegisterOutput>; faults: string[] }> {
  const history = new HistoryRecorder<RegisterInput, RegisterOutput>();
  const until = performance.now() + seconds * 1000;
  const random = seededRandom(seed);
  const faults: string[] = [];
  const etcds = Array.from({ length: clients }, () => cluster.client());
  let faultsDone = false;
  const running = (): boolean => !faultsDone || performance.now() < until;
  const acknowledged = (): number => history.operations.filter((o) => o.outcome === 'ok').length;
  try {
    await Promise.all([
      ...etcds.map((etcd, i) => runClient(i + 1, etcd, key, running, history, random)),
      injectFaults(cluster, until, faults, acknowledged, clients).finally(() => { faultsDone = true; }),
    ]);
  } finally {
    for (const etcd of etcds) etcd.close();
    await cluster.heal();
  }
  return { history, faults };
}
