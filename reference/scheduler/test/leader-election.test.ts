/**
 * HA: two kube-scheduler processes (reference main.ts) with leader election against a real
 * apiserver. Only the Lease holder binds; SIGKILL of the leader hands the Lease to the
 * standby within the lease duration, and Pods created after the failover are still bound,
 * each exactly once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { LEASE, POD, type Node, type Pod } from '../../client-machinery/core/api-types.ts';
import { eventually, startTestApiServer, whyNoTestApiServer } from '../../client-machinery/testing/test-api-server.ts';
import { makeNode, makePod } from '../core/test-fixtures.ts';

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseTransitions?: number };
}

function startScheduler(kubeconfig: string, tag: string, logs: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'reference/scheduler/main.ts', `--kubeconfig=${kubeconfig}`, '--leader-elect=true', '--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => logs.push(...d.split('\n').filter((l) => l !== '').map((l) => `[${tag}] ${l}`)));
  return child;
}

void test('scheduler leader election: one acts, the standby takes over after the leader dies', { timeout: 240_000 }, async (t) => {
  const why = await whyNoTestApiServer();
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  const server = await startTestApiServer((line) => t.diagnostic(line));
  const logs: string[] = [];
  const children: ChildProcess[] = [];
  try {
    const api = server.api;
    const node = makeNode({ name: 'n1' });
    const created = await api.create<Node>({ ...node, status: {} });
    const ready = await api.updateStatus<Node>({ ...created, status: node.status ?? {} });
    await api.update<Node>({ ...ready, spec: { ...ready.spec, taints: [] } });
    children.push(startScheduler(server.kubeconfigPath, 'a', logs), startScheduler(server.kubeconfigPath, 'b', logs));
    const leaseKey = { ...LEASE, name: 'kube-scheduler', namespace: 'kube-system' };
    const first = await eventually('a leader', async () => (await api.get<Lease>(leaseKey))?.spec?.holderIdentity, 60_000);
    const strip = (p: Pod): Pod => ({ ...p, metadata: { name: p.metadata.name, namespace: 'default' }, status: {} });
    await api.create(strip(makePod({ name: 'before' })));
    await eventually('pod bound before failover', async () => (await api.get<Pod>({ ...POD, name: 'before', namespace: 'default' }))?.spec.nodeName === 'n1', 60_000);

    // Which child leads? The one that logged the acquisition with the holder identity.
    const leaderTag = logs.find((l) => l.includes(`acquired lease kube-system/kube-scheduler as ${first}`))?.slice(1, 2);
    assert.ok(leaderTag === 'a' || leaderTag === 'b', `leader not found in logs:\n${logs.join('\n')}`);
    const leader = children[leaderTag === 'a' ? 0 : 1]!;
    leader.kill('SIGKILL');
    const second = await eventually('the standby holds the lease', async () => {
      const h = (await api.get<Lease>(leaseKey))?.spec?.holderIdentity;
      return h !== undefined && h !== '' && h !== first ? h : undefined;
    }, 60_000);
    assert.notEqual(second, first);
    await api.create(strip(makePod({ name: 'after' })));
    await eventually('pod bound after failover', async () => (await api.get<Pod>({ ...POD, name: 'after', namespace: 'default' }))?.spec.nodeName === 'n1', 60_000);
    const lease = await api.get<Lease>(leaseKey);
    assert.ok((lease?.spec?.leaseTransitions ?? 0) >= 1);
    const binds = logs.filter((l) => l.includes('bound default/'));
    assert.equal(binds.filter((l) => l.includes('default/before')).length, 1, binds.join('\n'));
    assert.equal(binds.filter((l) => l.includes('default/after')).length, 1, binds.join('\n'));
  } finally {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
    }
    if (process.env['KCK_TEST_VERBOSE'] === '1') for (const l of logs) t.diagnostic(l);
    await server.stop();
  }
});
