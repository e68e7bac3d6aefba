/** Cloud-provider scenarios: LoadBalancer Services, provider errors, node addresses; through the KubeApi port. */
import assert from 'node:assert/strict';
import { Then, When } from '@cucumber/cucumber';
import type { KubeObject } from '../src/ports/kube-api.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';
import { eventsAbout, NODE, NOWHERE, type NodeView } from './support/control-plane-support.ts';

const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;
/** The reference loopback cloud fails a Service carrying this annotation, with its value. */
const FAIL_ANNOTATION = 'loopback-cloud.kck.io/fail';

interface ServiceView extends KubeObject {
  spec?: { clusterIP?: string; ports?: { port: number; nodePort?: number }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

async function createLb(world: KitWorld, name: string, port: number, annotations?: Record<string, string>): Promise<void> {
  await world.running();
  const namespace = await world.scenarioNamespace();
  await world.kube.create({ ...SERVICE, metadata: { name, namespace, ...(annotations !== undefined ? { annotations } : {}) }, spec: { type: 'LoadBalancer', selector: { svc: name }, ports: [{ port, targetPort: 8080 }] } });
}

async function service(world: KitWorld, name: string): Promise<ServiceView | undefined> {
  return world.kube.get<ServiceView>({ ...SERVICE, name, namespace: world.namespace });
}

When('I create a LoadBalancer Service {string} on port {int}', async function (this: KitWorld, name: string, port: number) {
  await createLb(this, name, port);
});

When('I create a LoadBalancer Service {string} on port {int} that the cloud provider refuses with {string}', async function (this: KitWorld, name: string, port: number, message: string) {
  await createLb(this, name, port, { [FAIL_ANNOTATION]: message });
});

When('the cloud provider accepts the Service {string} again', async function (this: KitWorld, name: string) {
  await this.kube.patch({ ...SERVICE, name, namespace: this.namespace }, { metadata: { annotations: { [FAIL_ANNOTATION]: null } } }, 'merge');
});

Then('the Service {string} gets an external address from the cloud provider', async function (this: KitWorld, name: string) {
  await eventually(`Service ${name} to get an external address`, async () => {
    const ingress = (await service(this, name))?.status?.loadBalancer?.ingress ?? [];
    assert.ok(ingress.length > 0 && ingress.every((i) => (i.ip ?? i.hostname ?? '') !== ''), `ingress: ${JSON.stringify(ingress)}`);
  }, { timeoutMs: 120_000 });
});

Then('an EnsuredLoadBalancer event was recorded for the Service {string}', async function (this: KitWorld, name: string) {
  await eventually(`an EnsuredLoadBalancer event for ${name}`, async () => {
    const events = await eventsAbout(this, 'Service', name);
    assert.ok(events.some((e) => e.reason === 'EnsuredLoadBalancer'), events.map((e) => `${e.reason}: ${e.message}`).join(' | ') || 'no events');
  });
});

When('I delete the Service {string}', async function (this: KitWorld, name: string) {
  await this.kube.delete({ ...SERVICE, name, namespace: this.namespace });
});

Then('the Service {string} is gone once the cloud provider has released its load balancer', async function (this: KitWorld, name: string) {
  // The load-balancer cleanup finalizer holds the Service until the provider deleted the balancer.
  await eventually(`Service ${name} to be gone`, async () => assert.equal(await service(this, name), undefined, 'the Service still exists'), { timeoutMs: 120_000 });
});

Then('a SyncLoadBalancerFailed event for the Service {string} mentions {string}', async function (this: KitWorld, name: string, text: string) {
  await eventually(`a SyncLoadBalancerFailed event for ${name}`, async () => {
    const events = await eventsAbout(this, 'Service', name);
    assert.ok(events.some((e) => e.reason === 'SyncLoadBalancerFailed' && e.type === 'Warning' && e.message.includes(text)), events.map((e) => `${e.reason}: ${e.message}`).join(' | ') || 'no events');
  });
});

Then('the Service {string} has no external address', async function (this: KitWorld, name: string) {
  const ingress = (await service(this, name))?.status?.loadBalancer?.ingress ?? [];
  assert.deepEqual(ingress, [], `the Service has an external address: ${JSON.stringify(ingress)}`);
});

Then('every node has a provider ID and at least one address', async function (this: KitWorld) {
  await this.running();
  await eventually('the cloud provider to initialize every node', async () => {
    const nodes = await this.kube.list<NodeView>(NODE);
    assert.ok(nodes.items.length > 0, 'no nodes');
    for (const n of nodes.items) {
      assert.ok((n.spec?.providerID ?? '') !== '', `${n.metadata.name ?? ''} has no provider ID`);
      assert.ok((n.status?.addresses ?? []).length > 0, `${n.metadata.name ?? ''} has no address`);
    }
  });
});

When('I create a ReplicaSet {string} of {int} Pods behind the Service {string}', async function (this: KitWorld, name: string, replicas: number, svc: string) {
  const rs = await this.kube.create({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: this.namespace },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, svc } }, spec: { nodeSelector: NOWHERE, containers: [{ name: 'c', image: 'app:v1' }] } } },
  });
  this.remember(`replicaset ${name}`, rs);
});

Then('the Service {string} has a cluster IP and a node port', async function (this: KitWorld, name: string) {
  const svc = await service(this, name);
  assert.ok((svc?.spec?.clusterIP ?? '') !== '' && svc?.spec?.clusterIP !== 'None', 'no cluster IP');
  assert.ok((svc?.spec?.ports?.[0]?.nodePort ?? 0) >= 1, 'no node port');
});

Then('the Endpoints of the Service {string} exist', async function (this: KitWorld, name: string) {
  // The endpoints controller has processed the Service: the cluster went on working after it.
  await eventually(`Endpoints of ${name}`, async () => assert.ok((await this.kube.get({ apiVersion: 'v1', kind: 'Endpoints', name, namespace: this.namespace })) !== undefined, 'no Endpoints'));
});
