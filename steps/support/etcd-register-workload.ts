/**
 * The workload of the linearizability scenario: concurrent clients read, write and
 * compare-and-swap one key through the Etcd port while a fault loop kills, restarts and
 * isolates members. Every operation lands in a history for the checker (src/history).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { HistoryRecorder } from '../../src/history/history.ts';
import type { RegisterInput, RegisterOutput } from '../../src/history/kv-register-model.ts';
import type { Etcd, EtcdCluster } from '../../src/ports/etcd.ts';

/** Errors that prove the request never reached a member (so it cannot have taken effect). */
function neverSent(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /No connection established|ECONNREFUSED|connect EHOSTUNREACH/.test(text);
}

async function runClient(id: number, etcd: Etcd, key: string, until: number, history: HistoryRecorder<RegisterInput, RegisterOutput>, random: () => number): Promise<void> {
  let n = 0;
  let lastSeen: string | null = null;
  while (performance.now() < until) {
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
    // Pacing, not waiting: keeps the history a size the checker searches in seconds.
    await delay(20);
  }
}

async function injectFaults(cluster: EtcdCluster, until: number, log: string[]): Promise<void> {
  let round = 0;
  while (performance.now() < until - 3000) {
    const leader = await cluster.leader();
    const victim = leader ?? cluster.memberNames[0];
    if (victim === undefined) return;
    if (round++ % 2 === 0) {
      log.push(`kill ${victim}`);
      await cluster.kill(victim);
      await delay(2000);
      log.push(`restart ${victim}`);
      await cluster.restart(victim);
    } else {
      const others = cluster.memberNames.filter((n) => n !== victim);
      log.push(`isolate ${victim}`);
      await cluster.partition([[victim], others]);
      await delay(2500);
      log.push('heal');
      await cluster.heal();
    }
    await delay(1500);
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
  try {
    await Promise.all([
      ...etcds.map((etcd, i) => runClient(i + 1, etcd, key, until, history, random)),
      injectFaults(cluster, until, faults),
    ]);
  } finally {
    for (const etcd of etcds) etcd.close();
    await cluster.heal();
  }
  return { history, faults };
}
