/**
 * Two nodes' runtimes on one machine (each its own bridge and pod CIDR, netns mode): a Pod
 * on one node reaches a Pod on the other by its Pod IP (S11.1), as a cluster network must.
 * Needs root (network namespaces); skips otherwise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CriPods } from '../../clients/cri/cri-pods.ts';
import type { CriRuntimeFactory } from '../../ports/cri.ts';
import { ContainerdRuntime } from './containerd-runtime.ts';
import { ReferenceCriRuntime } from './reference-runtime.ts';
import { waitFor } from './wait-for.ts';

async function crossNode(factoryA: CriRuntimeFactory, factoryB: CriRuntimeFactory): Promise<void> {
  const factory = factoryA;
  const nodeA = await factoryA.start();
  const nodeB = await factoryB.start().catch(async (err: unknown) => { await nodeA.stop(); throw err; });
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
}

const root = process.getuid?.() === 0;

void test('Pods on two reference nodes reach each other over their Pod IPs', { skip: root ? false : 'needs root for network namespaces', timeout: 120_000 }, async () => {
  await crossNode(new ReferenceCriRuntime({ network: 'netns' }), new ReferenceCriRuntime({ network: 'netns' }));
});

void test('Pods on two containerd nodes reach each other over their Pod IPs', { skip: root ? false : 'needs root for containerd', timeout: 180_000 }, async () => {
  await crossNode(new ContainerdRuntime(), new ContainerdRuntime());
});
