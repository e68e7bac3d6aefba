/**
 * Benchmark: put throughput and p99 put latency of a 3-member reference etcd cluster and a
 * 3-member real etcd (Debian's 3.4) on the same machine, driven by the same client (the kit's
 * Etcd port over gRPC) with the same concurrency, printed side by side with the ratio. The
 * members run in network namespaces, as in the features (needs root, iproute2, iptables).
 *
 *   node --import tsx bench/etcd-put.ts [puts=2000] [concurrency=16] [valueBytes=256]
 *
 * Numbers vary with machine load; compare the two columns, run on the same machine.
 */
import type { EtcdClusterFactory } from '../src/ports/etcd.ts';
import { externalEtcdClusters, referenceEtcdClusters } from '../src/targets/etcd/etcd-cluster-factories.ts';

const puts = Number(process.argv[2] ?? '2000');
const concurrency = Number(process.argv[3] ?? '16');
const value = 'x'.repeat(Number(process.argv[4] ?? '256'));

interface Result { implementation: string; putsPerSecond: number; p50Ms: number; p99Ms: number }

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function measure(factory: EtcdClusterFactory): Promise<Result> {
  const cluster = await factory.start({ members: 3 });
  try {
    const client = cluster.client();
    // Warm up connections and the leader's pipeline before timing.
    for (let i = 0; i < 50; i++) await client.put(`/bench/warm/${i}`, value);
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < puts) {
        const i = next++;
        const t0 = performance.now();
        await client.put(`/bench/${i % 1000}`, value);
        latencies.push(performance.now() - t0);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return { implementation: factory.implementation, putsPerSecond: puts / seconds, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
  } finally {
    await cluster.stop();
  }
}

const reference = await measure(referenceEtcdClusters);
const real = await measure(externalEtcdClusters);
const row = (r: Result): string => `${r.implementation.padEnd(28)} ${r.putsPerSecond.toFixed(0).padStart(10)} ${r.p50Ms.toFixed(2).padStart(9)} ${r.p99Ms.toFixed(2).padStart(9)}`;
console.log(`etcd put benchmark: 3 members, ${puts} puts of ${value.length} bytes, ${concurrency} concurrent`);
console.log(`${'implementation'.padEnd(28)} ${'puts/s'.padStart(10)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`);
console.log(row(reference));
console.log(row(real));
console.log(`ratio reference/real: throughput ${(reference.putsPerSecond / real.putsPerSecond).toFixed(2)}x, p99 latency ${(reference.p99Ms / real.p99Ms).toFixed(2)}x (goal: throughput >= 0.5x, p99 <= 2x)`);
