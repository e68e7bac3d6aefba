/**
 * Benchmark: Pod start latency (create -> Running as the API reports it, p50/p99) for N Pods
 * on one node, reference kubelet on the reference runtime and on containerd, side by side.
 * The control plane is upstream (kit build cache); the node is the kit's reference node
 * (runtime + kubelet processes). Pods are bound directly (spec.nodeName), so the scheduler's
 * share is left out and the node's is measured. Needs root for containerd and netns.
 *
 *   node --import tsx bench/pod-start-latency.ts [pods=100] [runtimes=reference,containerd]
 *
 * Numbers vary with machine load; compare the two columns, run on the same machine.
 */
import { connectionFromKubeconfig } from '../src/clients/kube/connection.ts';
import { KubeClient } from '../src/clients/kube/kube-client.ts';
import type { KubeObject } from '../src/ports/kube-api.ts';
import { startReferenceNode } from '../src/targets/cri/reference-node.ts';
import { startUpstreamControlPlane } from '../src/targets/upstream/upstream-control-plane.ts';

const count = Number(process.argv[2] ?? '100');
const runtimes = (process.argv[3] ?? 'reference,containerd').split(',');

const cleanups = new Set<() => Promise<void>>();

interface Result { runtime: string; p50: number; p99: number; max: number; total: number }

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function measure(runtime: string, index: number): Promise<Result> {
  const cp = await startUpstreamControlPlane({ controllerManager: true, scheduler: false, log: () => undefined });
  const nodeName = `bench-${runtime}`;
  const creds = await cp.issueClient(`system:node:${nodeName}`, ['system:nodes']);
  const node = await startReferenceNode({ name: nodeName, kubeconfigPath: creds.kubeconfigPath, index, runtime });
  const kube = new KubeClient(await connectionFromKubeconfig(cp.kubeconfigPath));
  const cleanup = async (): Promise<void> => { kube.close(); await node.stop(); await cp.stop(); };
  cleanups.add(cleanup);
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const n = await kube.get<KubeObject>({ apiVersion: 'v1', kind: 'Node', name: nodeName });
      const ready = ((n?.['status'] as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      const sa = await kube.get({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', namespace: 'default' });
      if (ready && sa) break;
      if (Date.now() > deadline) throw new Error(`node ${nodeName} not Ready in 120 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const created = new Map<string, number>();
    const running = new Map<string, number>();
    // Poll the list (every 200 ms: the resolution of the figures) rather than rely on one
    // long watch; a Pod counts from the first look that shows it Running.
    const look = async (): Promise<void> => {
      const list = await kube.list({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'default' });
      const now = performance.now();
      for (const p of list.items) {
        const name = p.metadata.name ?? '';
        if ((p['status'] as { phase?: string } | undefined)?.phase === 'Running' && !running.has(name)) running.set(name, now);
      }
    };
    const started = performance.now();
    const creating = Promise.all(Array.from({ length: count }, async (_, i) => {
      const name = `p-${i}`;
      created.set(name, performance.now());
      await kube.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'kck/workload:1', args: ['pause'] }] } });
    }));
    const end = Date.now() + 600_000;
    while (running.size < count) {
      if (Date.now() > end) throw new Error(`${running.size}/${count} Pods Running after 600 s on ${runtime}`);
      await new Promise((r) => setTimeout(r, 200));
      await look();
    }
    await creating;
    const total = performance.now() - started;
    const latencies = [...running].map(([name, t]) => t - (created.get(name) ?? t)).sort((a, b) => a - b);
    return { runtime, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN, total };
  } finally {
    cleanups.delete(cleanup);
    await cleanup();
  }
}

// Stop the node and the control plane also when interrupted.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => { void Promise.all([...cleanups].map((c) => c().catch(() => undefined))).finally(() => process.exit(130)); });
}

const results: Result[] = [];
for (const [i, runtime] of runtimes.entries()) {
  process.stderr.write(`measuring ${count} Pods on ${runtime}...\n`);
  results.push(await measure(runtime, 200 + i));
}
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
console.log(`Pod start latency, ${count} Pods on one node (create -> Running), reference kubelet`);
console.log(['runtime'.padEnd(12), 'p50'.padStart(10), 'p99'.padStart(10), 'max'.padStart(10), 'all Running'.padStart(12)].join(' '));
for (const r of results) console.log([r.runtime.padEnd(12), s(r.p50).padStart(10), s(r.p99).padStart(10), s(r.max).padStart(10), s(r.total).padStart(12)].join(' '));
if (results.length === 2) console.log(`ratio ${results[1]!.runtime}/${results[0]!.runtime}: p50 ${(results[1]!.p50 / results[0]!.p50).toFixed(2)}x, p99 ${(results[1]!.p99 / results[0]!.p99).toFixed(2)}x`);
