import assert from 'node:assert/strict';
import { Then, When } from '@cucumber/cucumber';
import type { ComponentInstance, NodeInfo } from '../src/ports/topology.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';

When('I ask the target for its control-plane components', async function (this: KitWorld) {
  const topology = await this.port('topology');
  this.remember('control plane', await topology.controlPlane());
});

Then('they include an API server, etcd, a scheduler and a controller-manager', function (this: KitWorld) {
  const found = new Set(this.recall<ComponentInstance[]>('control plane').map((c) => c.component));
  for (const needed of ['kube-apiserver', 'etcd', 'kube-scheduler', 'kube-controller-manager'] as const) {
    assert.ok(found.has(needed), `no ${needed} among the control-plane components (found: ${[...found].join(', ')})`);
  }
});

Then('every control-plane component that serves a health endpoint reports healthy', async function (this: KitWorld) {
  const withHealth = this.recall<ComponentInstance[]>('control plane').filter((c) => c.healthUrl !== undefined);
  assert.ok(withHealth.length > 0, 'no control-plane component names a health endpoint');
  for (const component of withHealth) {
    await eventually(`${component.name} to report healthy at ${component.healthUrl}`, async () => {
      const url = new URL(component.healthUrl!);
      const res = url.origin === new URL(this.kube.server).origin ? await this.kube.request('GET', url.pathname) : await fetchText(url);
      assert.equal(res.status, 200, `${component.name} answered ${res.status}: ${res.text.slice(0, 200)}`);
    });
  }
});

async function fetchText(url: URL): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

Then('the API server answers {string} on \\/livez and \\/readyz', async function (this: KitWorld, expected: string) {
  await this.running();
  for (const path of ['/livez', '/readyz']) {
    await eventually(`${path} to answer ${expected}`, async () => {
      const res = await this.kube.request('GET', path);
      assert.equal(res.status, 200, `${path} answered ${res.status}`);
      assert.equal(res.text.trim(), expected);
    });
  }
});

Then("the API server's readiness checks include etcd", async function (this: KitWorld) {
  const res = await this.kube.request('GET', '/readyz?verbose');
  assert.equal(res.status, 200, `/readyz?verbose answered ${res.status}`);
  assert.match(res.text, /^\[\+\]etcd ok$/m, `no passing etcd check in:\n${res.text}`);
});

When('I ask the target for its nodes', async function (this: KitWorld) {
  const topology = await this.port('topology');
  this.remember('nodes', await topology.nodes());
});

Then('there is at least one node', function (this: KitWorld) {
  assert.ok(this.recall<NodeInfo[]>('nodes').length > 0, 'the target has no nodes');
});

Then('every node runs a kubelet, a container runtime and kube-proxy', async function (this: KitWorld) {
  const topology = await this.port('topology');
  for (const node of this.recall<NodeInfo[]>('nodes')) {
    const components = new Set((await topology.nodeComponents(node.name)).map((c) => c.component));
    for (const needed of ['kubelet', 'container-runtime', 'kube-proxy'] as const) {
      assert.ok(components.has(needed), `node ${node.name} runs no ${needed} (found: ${[...components].join(', ') || 'nothing'})`);
    }
  }
});
