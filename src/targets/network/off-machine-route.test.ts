import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offMachineReason, routeLeavesMachine } from './off-machine-route.ts';

test('loopback and the kit bridges stay on this machine; the default route leaves it', () => {
  assert.equal(routeLeavesMachine([{ dst: '127.0.0.5', dev: 'lo', type: 'local' }]), false);
  assert.equal(routeLeavesMachine([{ dst: '10.250.3.11', dev: 'kckb3' }]), false);
  assert.equal(routeLeavesMachine([{ dst: '10.88.7.2', dev: 'kckc7' }]), false);
  assert.equal(routeLeavesMachine([{ dst: '10.96.0.10', gateway: '192.0.2.1', dev: 'eth0' }]), true);
  assert.equal(routeLeavesMachine([]), true);
});

test('a loopback address is dialled without asking the kernel; an unroutable one is refused with the reason', async () => {
  assert.equal(await offMachineReason('127.0.0.1'), undefined);
  const reason = await offMachineReason('203.0.113.7');
  // TEST-NET-3 has no route here but the default one (or none at all).
  assert.match(reason ?? '', /no route from outside the cluster: 203\.0\.113\.7/);
});
