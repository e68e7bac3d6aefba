/* eslint-disable no-restricted-imports, no-restricted-globals -- a test of the pure core runs under node:test; the core itself stays pure */
// fast-check properties over random fault schedules on the simulated network: election
// safety, log matching, leader completeness and state machine safety (checked while the
// simulation runs, see testing/sim-cluster.ts), plus: after healing, every entry any member
// applied is applied by all members, in the same order. fast-check prints seed and path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeConfChange } from './codec.ts';
import { SimCluster } from './testing/sim-cluster.ts';

type Cmd =
  | { kind: 'run'; units: number }
  | { kind: 'propose'; node: number; count: number }
  | { kind: 'partition'; mask: number }
  | { kind: 'heal' }
  | { kind: 'crash'; node: number }
  | { kind: 'restart'; node: number }
  | { kind: 'transfer'; node: number }
  | { kind: 'read'; node: number }
  | { kind: 'member'; node: number; add: boolean };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('run' as const), units: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('propose' as const), node: fc.nat(6), count: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), mask: fc.nat(127) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), node: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), node: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transfer' as const), node: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('read' as const), node: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('member' as const), node: fc.nat(6), add: fc.boolean() }) },
);

const scenario = fc.record({
  size: fc.constantFrom(3, 5),
  seed: fc.integer(),
  dropRate: fc.constantFrom(0, 0.05, 0.2),
  dupRate: fc.constantFrom(0, 0.1),
  maxDelay: fc.constantFrom(0, 3, 12),
  snapshotEvery: fc.constantFrom(0, 7),
  preVote: fc.boolean(),
  checkQuorum: fc.boolean(),
  earlySend: fc.boolean(),
  midReadyCrashRate: fc.constantFrom(0, 0.002, 0.02),
  cmds: fc.array(cmd, { maxLength: Number(process.env['RAFT_PROPERTY_CMDS'] ?? 40) }),
});

test('Raft safety and convergence under drops, delays, duplicates, partitions, crashes', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const ids = Array.from({ length: s.size }, (_, i) => BigInt(i + 1));
      const pick = (n: number): bigint => ids[n % ids.length] ?? 1n;
      const c = new SimCluster({
        ids, seed: s.seed, dropRate: s.dropRate, dupRate: s.dupRate, maxDelay: s.maxDelay,
        snapshotEvery: s.snapshotEvery, preVote: s.preVote, checkQuorum: s.checkQuorum,
        earlySend: s.earlySend, midReadyCrashRate: s.midReadyCrashRate,
      });
      let next = 0;
      for (const k of s.cmds) {
        switch (k.kind) {
          case 'run': c.run(k.units); break;
          case 'propose': for (let i = 0; i < k.count; i++) c.propose(pick(k.node), `v${next++}`); break;
          case 'partition': c.partition([ids.filter((_, i) => (k.mask >> i) & 1), ids.filter((_, i) => !((k.mask >> i) & 1))]); break;
          case 'heal': c.heal(); break;
          case 'crash': c.crash(pick(k.node)); break;
          case 'restart': c.restart(pick(k.node)); break;
          case 'transfer': {
            const l = c.leader();
            if (l !== undefined) { c.raw(l).transferLeader(pick(k.node)); c.process(l); }
            break;
          }
          case 'member': {
            const l = c.leader();
            if (l !== undefined) {
              c.raw(l).proposeConfChange({ type: k.add ? 'add' : 'remove', nodeId: pick(k.node), peerUrl: `sim://${pick(k.node)}` }, encodeConfChange);
              c.process(l);
            }
            break;
          }
          case 'read': if (c.isUp(pick(k.node))) { c.raw(pick(k.node)).readIndex(`r${next++}`); c.process(pick(k.node)); } break;
        }
        c.checkLogMatching();
        assert.deepEqual(c.violations, []);
      }
      // Heal everything: the cluster must make progress and converge.
      c.heal();
      c.opts.midReadyCrashRate = 0;
      for (const id of ids) c.restart(id);
      // Members of the latest configuration must converge; removed ones just stop somewhere
      // (and without pre-vote may keep disrupting elections: a liveness cost, not a safety one).
      const voters = () => {
        const ahead = [...c.nodes.values()].reduce((a, b) => (b.appliedIndex > a.appliedIndex ? b : a));
        const members = [...(ahead.raw?.raft.members.keys() ?? ids)];
        return [...c.nodes.values()].filter((n) => members.includes(n.id));
      };
      // An accepted proposal may still be lost with its leader, so retry until one commits.
      let marker = '';
      let converged = false;
      for (let attempt = 0; attempt < 20 && !converged; attempt++) {
        marker = `final${next++}`;
        const proposed = c.runUntil(() => {
          const l = c.leader();
          return l !== undefined && c.propose(l, marker);
        }, 50000);
        assert.ok(proposed, 'a leader accepts proposals after healing');
        converged = c.runUntil(() => voters().every((n) => n.state.includes(marker)), 2000);
      }
      assert.ok(converged, 'every member applies a final entry');
      c.run(50);
      // Same order everywhere: every member's sequence is a prefix of the longest one.
      const final0 = [...c.nodes.values()].map((n) => n.state).reduce((a, b) => (b.length > a.length ? b : a));
      for (const n of c.nodes.values()) assert.deepEqual(n.state, final0.slice(0, n.state.length), `node ${n.id} applied a prefix of the same sequence`);
      // Nothing ever applied anywhere was lost.
      const everApplied = new Set([...c.applied.values()].map((k) => k.split('|')[2]).filter((d): d is string => d !== undefined && d !== ''));
      const final = new Set(final0);
      for (const d of everApplied) if (/^v|^final/.test(d)) assert.ok(final.has(d), `applied entry ${d} survives`);
      c.checkLogMatching();
      assert.deepEqual(c.violations, []);
    }),
    { numRuns: Number(process.env['RAFT_PROPERTY_RUNS'] ?? 60) },
  );
});
