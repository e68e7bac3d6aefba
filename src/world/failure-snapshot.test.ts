import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePod } from './failure-snapshot.ts';

test('a Pod is described by its node, phase, failing conditions and container states', () => {
  const line = describePod({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web-1' },
    spec: { nodeName: 'node-2' },
    status: {
      phase: 'Pending',
      podIP: '10.244.2.7',
      conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [{ name: 'app', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    },
  });
  assert.equal(line, 'pod web-1 on node-2 ip 10.244.2.7: Pending Ready=False(ContainersNotReady) [app:waiting(CrashLoopBackOff) restarts=2]');
  assert.equal(describePod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }), 'pod p on (no node): no phase [no container statuses]');
});
