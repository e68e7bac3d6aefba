import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Capability } from '../ports/target.ts';
import { applicability } from './applicability.ts';

const target = {
  name: 't',
  capabilities: new Set<Capability>(['kube-api', 'nodes']),
  pending: new Map<Capability, string>([['scheduler', 'reference scheduler not built yet']]),
  unavailableReason: (c: Capability) => `t cannot offer ${c}`,
};

test('a scenario whose capabilities the target has runs', () => {
  assert.deepEqual(applicability(target, ['@S2.1', '@cap:kube-api', '@cap:nodes']), { status: 'run' });
});

test('a capability the target can never have makes the scenario not applicable, with the reason', () => {
  assert.deepEqual(applicability(target, ['@cap:etcd-cluster', '@cap:scheduler']), { status: 'not-applicable', reason: 'etcd-cluster: t cannot offer etcd-cluster' });
});

test('a pending capability makes the scenario not implemented yet', () => {
  assert.deepEqual(applicability(target, ['@cap:scheduler']), { status: 'not-implemented', reason: 'scheduler: reference scheduler not built yet' });
});

test('an unknown capability tag is reported, not silently run', () => {
  assert.equal(applicability(target, ['@cap:warp-drive']).status, 'not-applicable');
});
