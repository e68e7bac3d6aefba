/**
 * Two nodes' runtimes on one machine (each its own bridge and pod CIDR, netns mode): a Pod
 * on one node reaches a Pod on the other by its Pod IP (S11.1), as a cluster network must.
 * Needs root (network namespaces); skips otherwise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CriPods } from '../../clients/cri/cri-pods.ts';
import { ReferenceCriRuntime } from './reference-runtime.ts';
import { waitFor } from './wait-for.ts';

void test('Pods on two nodes reach each other over their Pod IPs', { skip: process.getuid?.() !== 0 ? 'needs root for network namespaces' : false, timeout: 120_000 }, async () => {
  const factory = new ReferenceCriRuntime({ network: 'netns' });
  const nodeA = await factory.start();
  const nodeB = await factory.start().catch(async (err: unknown) => { await nodeA.stop(); throw err; });
  const podsA = new CriPods(nodeA.cri, factory.images);
  const podsB = new CriPods(nodeB.cri, factory.images);
  try {
    const server = await podsA.runPod('server-a');
    const client = await podsB.runPod('client-b');
    assert.notEqual(server.ip.split('.').slice(0, 3).join('.'), client.ip.split('.').slice(0, 3).join('.'), 'the nodes have different pod CIDRs');
    await podsA.runContainer(server, 'serve', ['serve-hostname', '--http', '0']);
    const dialer = await podsB.runContainer(client, 'dial', ['pause']);
    const reply = await waitFor(`client-b to reach ${server.ip}`, async () => {
      const r = await nodeB.cri.execSync(dialer, ['/kck/workload', 'connect', server.ip, '9376'], 10);
      return r.exitCode === 0 ? r.stdout.trim() : undefined;
    });
    assert.equal(reply, 'server-a');
  } finally {
    await podsA.removeAll();
    await podsB.removeAll();
    await nodeB.stop();
    await nodeA.stop();
  }
});
