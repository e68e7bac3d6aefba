/**
 * Scheduler throughput on the pure core: 1,000 nodes, 10,000 Pods, default plugins, every
 * Pod assumed onto its node before the next (as kube-scheduler's cache does). Run with
 *   node --import tsx bench/scheduler-throughput.ts [nodes] [pods]
 * and compare with kube-scheduler's scheduler_perf figures (bench/README.md).
 */
import { performance } from 'node:perf_hooks';
import { defaultProfile } from '../reference/scheduler/core/default-profile.ts';
import { schedule } from '../reference/scheduler/core/schedule.ts';
import { addPod, buildSnapshot } from '../reference/scheduler/core/snapshot.ts';
import { makeNode, makePod } from '../reference/scheduler/core/test-fixtures.ts';

const nodeCount = Number(process.argv[2] ?? 1000);
const podCount = Number(process.argv[3] ?? 10000);

// Like scheduler_perf's SchedulingBasic: identical nodes (4 CPU, 32Gi, 110 pods) and Pods
// with small requests, spread over a few ReplicaSets so the spreading score has work to do.
const nodes = Array.from({ length: nodeCount }, (_, i) => makeNode({ name: `node-${String(i).padStart(5, '0')}`, cpu: '4', memory: '32Gi', pods: 110, labels: { zone: `zone-${i % 3}` } }));
const pods = Array.from({ length: podCount }, (_, i) => makePod({ name: `pod-${i}`, cpu: '100m', memory: '500Mi', ownerUid: `rs-${i % 10}` }));

const snapshot = buildSnapshot(nodes, []);
const profile = defaultProfile();
let scheduled = 0;
const start = performance.now();
for (const pod of pods) {
  const result = schedule(pod, snapshot, profile);
  if ('node' in result) {
    addPod(snapshot, pod, result.node);
    scheduled++;
  }
}
const seconds = (performance.now() - start) / 1000;
const perNode = snapshot.nodes.map((n) => n.pods.length);
const report = {
  benchmark: 'scheduler-throughput (pure core, default plugins)',
  nodes: nodeCount,
  pods: podCount,
  scheduled,
  seconds: Number(seconds.toFixed(3)),
  podsPerSecond: Math.round(scheduled / seconds),
  podsPerNode: { min: Math.min(...perNode), max: Math.max(...perNode) },
  upstream: 'kube-scheduler scheduler_perf SchedulingBasic: see bench/README.md',
};
console.log(JSON.stringify(report, null, 2));
