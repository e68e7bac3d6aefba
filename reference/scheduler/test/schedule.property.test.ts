/**
 * Properties of the pure scheduling decision against a naive oracle written independently
 * of the plugins: the scheduler never picks an infeasible node, and a Pod that fits
 * somewhere is always placed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Taint } from '../../client-machinery/core/api-types.ts';
import { defaultProfile } from '../core/default-profile.ts';
import { schedule } from '../core/schedule.ts';
import { addPod, buildSnapshot } from '../core/snapshot.ts';
import { makeNode, makePod, type NodeSpec, type PodSpecInput } from '../core/test-fixtures.ts';

const profile = defaultProfile();

const taintArb = fc.record({ key: fc.constantFrom('a', 'b'), effect: fc.constantFrom<Taint['effect']>('NoSchedule', 'PreferNoSchedule', 'NoExecute') });
const nodeArb = (name: string): fc.Arbitrary<NodeSpec> =>
  fc.record({
    name: fc.constant(name),
    cpu: fc.integer({ min: 0, max: 4000 }).map((m) => `${m}m`),
    memory: fc.integer({ min: 0, max: 4096 }).map((m) => `${m}Mi`),
    pods: fc.integer({ min: 0, max: 4 }),
    labels: fc.dictionary(fc.constantFrom('zone', 'disk'), fc.constantFrom('x', 'y')),
    taints: fc.array(taintArb, { maxLength: 2 }),
    unschedulable: fc.boolean(),
    ready: fc.constantFrom<'True' | 'False' | 'Unknown'>('True', 'True', 'True', 'False', 'Unknown'),
  });
const podArb = (name: string): fc.Arbitrary<PodSpecInput> =>
  fc.record({
    name: fc.constant(name),
    cpu: fc.integer({ min: 0, max: 3000 }).map((m) => `${m}m`),
    memory: fc.integer({ min: 0, max: 3000 }).map((m) => `${m}Mi`),
    nodeSelector: fc.dictionary(fc.constantFrom('zone', 'disk'), fc.constantFrom('x', 'y'), { maxKeys: 1 }),
    tolerations: fc.array(fc.record({ key: fc.constantFrom('a', 'b'), operator: fc.constant<'Exists'>('Exists') }), { maxLength: 2 }),
  });

interface Used {
  cpu: number;
  memory: number;
  pods: number;
}

/** The oracle: plain arithmetic on the generated numbers, no shared code with the plugins. */
function fits(node: NodeSpec, pod: PodSpecInput, used: Used): boolean {
  const cpu = Number.parseInt(pod.cpu ?? '0m', 10);
  const memory = Number.parseInt(pod.memory ?? '0Mi', 10);
  if (node.unschedulable === true || node.ready !== 'True') return false;
  if (used.pods + 1 > (node.pods ?? 110)) return false;
  if (cpu > 0 && used.cpu + cpu > Number.parseInt(node.cpu ?? '0', 10)) return false;
  if (memory > 0 && used.memory + memory > Number.parseInt(node.memory ?? '0', 10)) return false;
  for (const [k, v] of Object.entries(pod.nodeSelector ?? {})) if ((node.labels ?? {})[k] !== v) return false;
  for (const t of node.taints ?? []) {
    if (t.effect === 'PreferNoSchedule') continue;
    if (!(pod.tolerations ?? []).some((tol) => tol.key === t.key)) return false;
  }
  return true;
}

void test('property: never an infeasible node, and a feasible pod is always placed', () => {
  const scenario = fc.record({
    nodes: fc.array(fc.nat(), { minLength: 0, maxLength: 6 }).chain((ids) => fc.tuple(...ids.map((_, i) => nodeArb(`n${i}`)))),
    pods: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }).chain((ids) => fc.tuple(...ids.map((_, i) => podArb(`p${i}`)))),
  });
  fc.assert(
    fc.property(scenario, ({ nodes, pods }) => {
      const snapshot = buildSnapshot(nodes.map(makeNode), []);
      const used = new Map<string, Used>(nodes.map((n) => [n.name, { cpu: 0, memory: 0, pods: 0 }]));
      for (const spec of pods) {
        const pod = makePod(spec);
        const result = schedule(pod, snapshot, profile);
        const feasible = nodes.filter((n) => fits(n, spec, used.get(n.name)!));
        if ('node' in result) {
          assert.ok(feasible.some((n) => n.name === result.node), `placed on infeasible ${result.node}`);
          addPod(snapshot, pod, result.node);
          const u = used.get(result.node)!;
          u.cpu += Number.parseInt(spec.cpu ?? '0', 10);
          u.memory += Number.parseInt(spec.memory ?? '0', 10);
          u.pods += 1;
        } else {
          assert.deepEqual(feasible.map((n) => n.name), [], `left pending although ${feasible.map((n) => n.name).join(',')} fit: ${result.unschedulable.message}`);
          // Every node is accounted in the message exactly once.
          assert.equal(result.unschedulable.reasons.size, nodes.length);
        }
      }
    }),
    { numRuns: 300 },
  );
});

void test('property: the FailedScheduling summary counts every node', () => {
  fc.assert(
    fc.property(fc.array(nodeArb('x'), { minLength: 1, maxLength: 6 }), (specs) => {
      const nodes = specs.map((s, i) => makeNode({ ...s, name: `n${i}`, cpu: '0m', pods: 0 }));
      const result = schedule(makePod({ name: 'p', cpu: '1' }), buildSnapshot(nodes, []), profile);
      assert.ok('unschedulable' in result);
      const m = /^0\/(\d+) nodes are available: (.*)\.$/.exec(result.unschedulable.message);
      assert.ok(m !== null, result.unschedulable.message);
      assert.equal(Number(m[1]), nodes.length);
      // Counts add up to at least the node count (a node may give several reasons).
      const total = (m[2] ?? '').split(', ').reduce((sum, part) => sum + Number.parseInt(part, 10), 0);
      assert.ok(total >= nodes.length);
    }),
  );
});
