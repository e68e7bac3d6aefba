/** Service scenarios: objects through the KubeApi port, connections through the Network port. */
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import type { DataTable } from '@cucumber/cucumber';
import { ApiError } from '../src/ports/kube-api.ts';
import { eventually } from '../src/world/eventually.ts';
import type { ConnectResult, Network, Vantage } from '../src/ports/network.ts';
import type { KitWorld } from '../src/world/kit-world.ts';
import { address, backendNames, clientVantage, createDeployment, createPod, createService, describe, endpointPodNames, labels, readyPods, service } from './support/services-support.ts';

Given('a Deployment {string} of {int} Pods serving their names on port {int}', async function (this: KitWorld, name: string, replicas: number, port: number) {
  await this.running();
  await createDeployment(this, name, replicas, port);
});

Given('a Deployment {string} of {int} Pods serving their names over TCP and UDP on port {int}', async function (this: KitWorld, name: string, replicas: number, port: number) {
  await this.running();
  await createDeployment(this, name, replicas, port, { udp: true });
});

Given('a ClusterIP Service {string} for the Deployment with the ports', async function (this: KitWorld, name: string, table: DataTable) {
  const ports = table.hashes().map((row) => {
    const protocol = protocolOf(row['protocol'] ?? '');
    const target = row['targetPort'] ?? '';
    return { name: row['name'], protocol: protocol.toUpperCase(), port: Number(row['port']), targetPort: /^\d+$/.test(target) ? Number(target) : target };
  });
  await createService(this, name, 'ClusterIP', { app: this.recall<string>('last deployment') }, 0, 0, { ports });
});

Given('a {word} Service {string} for the Deployment on port {int} to port {int}', async function (this: KitWorld, type: string, name: string, port: number, targetPort: number) {
  await createService(this, name, type, { app: this.recall<string>('last deployment') }, port, targetPort);
});

Given('a {word} Service {string} for the Deployment on port {int} to port {int} with ClientIP session affinity', async function (this: KitWorld, type: string, name: string, port: number, targetPort: number) {
  await createService(this, name, type, { app: this.recall<string>('last deployment') }, port, targetPort, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } });
});

Given('a ClusterIP Service {string} selecting Pods labelled {string} on port {int} to port {int}', async function (this: KitWorld, name: string, selector: string, port: number, targetPort: number) {
  await this.running();
  await createService(this, name, 'ClusterIP', labels(selector), port, targetPort);
});

Given('a Pod {string} labelled {string} serving its name on port {int}', async function (this: KitWorld, name: string, podLabels: string, port: number) {
  await this.running();
  await createPod(this, name, labels(podLabels), port);
});

Then('a client Pod reaches the Service {string} and is answered by one of its Pods', async function (this: KitWorld, name: string) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  const vantage = await clientVantage(this);
  await eventually(`a client Pod to reach Service ${name} at ${host}:${port}`, async () => {
    const result = await network.tcp(vantage, host, port);
    assert.ok(result.ok, `connection failed: ${result.error ?? ''}`);
    const backends = await backendNames(this, name);
    assert.ok(backends.includes(result.reply!), `answered by ${result.reply}, not one of ${backends.join(', ')}`);
  });
});

Then('the Service {string} cannot be reached from outside the cluster', async function (this: KitWorld, name: string) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  const result = await network.tcp({ from: 'outside' }, host, port, { timeoutMs: 3000 });
  assert.equal(result.ok, false, `the cluster IP ${host}:${port} answered ${result.reply} from outside the cluster`);
});

Then('{int} connections from a client Pod to the Service {string} reach every Pod of the Deployment', async function (this: KitWorld, count: number, name: string) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  const vantage = await clientVantage(this);
  const pods = (await readyPods(this, { app: this.recall<string>('last deployment') })).map((p) => p.metadata.name!);
  // With k backends and uniform choice, P(some backend gets none of n) <= k(1-1/k)^n: for
  // 60 over 3 that is 3e-10, for 40 over 2 1.8e-12. Round-robin and IPVS schedulers never miss.
  await eventually(`${count} connections to Service ${name} to reach each of ${pods.join(', ')}`, async () => {
    const counts = await network.spray(vantage, host, port, count);
    for (const pod of pods) assert.ok((counts.get(pod) ?? 0) > 0, `${pod} got no connection: ${describe(counts)}`);
    assert.equal([...counts.values()].reduce((a, b) => a + b, 0), count);
    assert.ok([...counts.keys()].every((k) => pods.includes(k)), `replies from outside the Deployment or failures: ${describe(counts)}`);
  }, { timeoutMs: 180_000 });
});

Then('{int} connections from one client Pod to the Service {string} all reach the same Pod', async function (this: KitWorld, count: number, name: string) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  const counts = await eventually(`Service ${name} to answer a client Pod`, async () => {
    const c = await network.spray(await clientVantage(this), host, port, count);
    assert.ok(!c.has('!failed'), `failed connections: ${describe(c)}`);
    return c;
  }, { timeoutMs: 120_000 });
  assert.equal(counts.size, 1, `one client reached several Pods: ${describe(counts)}`);
});

Then('the Service {string} has a node port between {int} and {int}', async function (this: KitWorld, name: string, low: number, high: number) {
  const { nodePort } = await address(this, name);
  assert.ok(nodePort !== undefined && nodePort >= low && nodePort <= high, `node port ${nodePort} outside ${low}-${high}`);
});

Then('a connection from outside to the node port of every node is answered by a Pod of the Deployment', async function (this: KitWorld) {
  const network = await this.port('network');
  const topology = await this.port('topology');
  const { nodePort } = await address(this, this.recall<string>('last service'));
  assert.ok(nodePort !== undefined, 'the Service has no node port');
  const pods = (await readyPods(this, { app: this.recall<string>('last deployment') })).map((p) => p.metadata.name!);
  const nodes = await topology.nodes();
  assert.ok(nodes.length > 0, 'the target has no nodes');
  for (const node of nodes) {
    await eventually(`node ${node.name} (${node.address}) to answer on node port ${nodePort}`, async () => {
      const result = await network.tcp({ from: 'outside' }, node.address, nodePort);
      assert.ok(result.ok, `connection failed: ${result.error ?? ''}`);
      assert.ok(pods.includes(result.reply!), `answered by ${result.reply}, not one of ${pods.join(', ')}`);
    });
  }
});

Given('a NodePort Service {string} requesting a free node port', async function (this: KitWorld, name: string) {
  await this.running();
  // Another scenario may hold a given port: try a few until one is free.
  for (let attempt = 0; ; attempt++) {
    const nodePort = 30000 + Math.floor(Math.random() * 2768);
    try {
      const svc = await createService(this, name, 'NodePort', { app: name }, 80, 9376, { ports: [{ name: 'tcp', protocol: 'TCP', port: 80, targetPort: 9376, nodePort }] });
      assert.equal(svc.spec?.ports?.[0]?.nodePort, nodePort, 'the requested node port was not honoured');
      this.remember('requested node port', nodePort);
      return;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 422 || attempt >= 5) throw error;
    }
  }
});

When('I create a NodePort Service {string} requesting the same node port', async function (this: KitWorld, name: string) {
  const nodePort = this.recall<number>('requested node port');
  try {
    await createService(this, name, 'NodePort', { app: name }, 80, 9376, { ports: [{ name: 'tcp', protocol: 'TCP', port: 80, targetPort: 9376, nodePort }] });
    this.remember('refusal', undefined);
  } catch (error) {
    this.remember('refusal', error);
  }
});

Then('the API server refuses it because the port is already allocated', function (this: KitWorld) {
  const error = this.recall<unknown>('refusal');
  assert.ok(error instanceof ApiError, `the second Service was accepted or failed otherwise: ${String(error)}`);
  assert.equal(error.status, 422);
  assert.match(error.message, /already allocated/);
});

// 'the Service {string} gets an external address from the cloud provider' is defined in cloud.steps.ts.

Then('a connection from outside to the external address of the Service {string} is answered by a Pod of the Deployment', async function (this: KitWorld, name: string) {
  const network = await this.port('network');
  const svc = await service(this, name);
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  const host = ingress?.ip ?? ingress?.hostname;
  assert.ok(host !== undefined, 'the Service has no external address');
  const port = svc.spec?.ports?.[0]?.port ?? 80;
  await eventually(`${host}:${port} to answer from outside`, async () => {
    const result = await network.tcp({ from: 'outside' }, host, port);
    assert.ok(result.ok, `connection failed: ${result.error ?? ''}`);
    const pods = await backendNames(this, name);
    assert.ok(pods.includes(result.reply!), `answered by ${result.reply}, not one of ${pods.join(', ')}`);
  });
});

Then("a client Pod's connection to the Service {string} fails", async function (this: KitWorld, name: string) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  const result = await network.tcp(await clientVantage(this), host, port, { timeoutMs: 3000 });
  assert.equal(result.ok, false, `a Service without endpoints answered: ${result.reply}`);
});

Then('the endpoints of the Service {string} are exactly the Pods {string}', async function (this: KitWorld, name: string, list: string) {
  const wanted = list.split(',').map((s) => s.trim()).sort();
  await eventually(`the endpoints of ${name} to be ${wanted.join(', ')}`, async () => {
    assert.deepEqual(await endpointPodNames(this, name), wanted);
  });
});

When('the Pod {string} is relabelled {string}', async function (this: KitWorld, name: string, podLabels: string) {
  const namespace = await this.scenarioNamespace();
  await this.kube.patch({ apiVersion: 'v1', kind: 'Pod', namespace, name }, { metadata: { labels: labels(podLabels) } }, 'merge');
});

Then('{int} connections from a client Pod to the Service {string} all reach the Pod {string}', async function (this: KitWorld, count: number, name: string, pod: string) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  const vantage = await clientVantage(this);
  await eventually(`every connection to ${name} to reach ${pod}`, async () => {
    const counts = await network.spray(vantage, host, port, count);
    assert.deepEqual(Object.fromEntries(counts), { [pod]: count });
  }, { timeoutMs: 120_000 });
});

interface RetryingClient {
  attempts: number;
  failures: string[];
  stop(): Promise<void>;
}

Given('a client that keeps connecting to the Service {string}, retrying each failure up to {int} times', async function (this: KitWorld, name: string, retries: number) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  const vantage = await clientVantage(this);
  let stopped = false;
  const client: RetryingClient = { attempts: 0, failures: [], stop: async () => undefined };
  const loop = (async () => {
    while (!stopped) {
      let last = '';
      let ok = false;
      for (let attempt = 0; attempt <= retries && !ok; attempt++) {
        const r = await network.tcp(vantage, host, port, { timeoutMs: 3000 });
        ok = r.ok;
        last = r.error ?? '';
      }
      client.attempts++;
      if (!ok) client.failures.push(last);
    }
  })();
  client.stop = async () => {
    stopped = true;
    await loop;
  };
  this.onCleanUp(() => client.stop());
  this.remember('retrying client', client);
});

When('the Deployment {string} is rolled out to a new version', async function (this: KitWorld, name: string) {
  const namespace = await this.scenarioNamespace();
  const old = await readyPods(this, { app: name });
  this.remember('old pods', old.map((p) => p.metadata.name!));
  await this.kube.patch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name }, { spec: { template: { metadata: { annotations: { 'kck.io/version': String(Date.now()) } } } } }, 'merge');
  await eventually(`Deployment ${name} to replace all its Pods`, async () => {
    const now = await readyPods(this, { app: name });
    assert.equal(now.length, old.length);
    assert.ok(now.every((p) => !this.recall<string[]>('old pods').includes(p.metadata.name!)), 'old Pods still serve');
  }, { timeoutMs: 240_000 });
});

Then('the endpoints of the Service {string} are exactly the new Pods of the Deployment, none of the old', async function (this: KitWorld, name: string) {
  const old = this.recall<string[]>('old pods');
  await eventually(`Service ${name} endpoints to list only the new Pods`, async () => {
    const now = (await readyPods(this, { app: this.recall<string>('last deployment') })).map((p) => p.metadata.name!).sort();
    const endpoints = await endpointPodNames(this, name);
    assert.deepEqual(endpoints, now);
    assert.ok(endpoints.every((e) => !old.includes(e)), `old Pods still listed: ${endpoints.join(', ')}`);
  });
});

Then('the retrying client never failed to reach the Service {string}', async function (this: KitWorld, _name: string) {
  const client = this.recall<RetryingClient>('retrying client');
  await client.stop();
  assert.ok(client.attempts > 0, 'the client made no attempt');
  assert.deepEqual(client.failures, [], `${client.failures.length} of ${client.attempts} rounds failed even after retries`);
});

/** 'TCP'/'UDP' as written in a step, for the Network port. */
function protocolOf(word: string): 'tcp' | 'udp' {
  const p = word.toLowerCase();
  if (p !== 'tcp' && p !== 'udp') throw new Error(`unknown protocol ${word}: write TCP or UDP`);
  return p;
}

function exchange(network: Network, protocol: 'tcp' | 'udp', vantage: Vantage, host: string, port: number, options: { timeoutMs?: number } = {}): Promise<ConnectResult> {
  return protocol === 'udp' ? network.udp(vantage, host, port, options) : network.tcp(vantage, host, port, options);
}

/** The cluster IP and the Service's declared port `port`/`protocol` (a typo must not pass as "no answer"). */
async function declaredPort(world: KitWorld, name: string, port: number, protocol: 'tcp' | 'udp'): Promise<string> {
  const svc = await service(world, name);
  const declared = (svc.spec?.ports ?? []).map((p) => `${p.port}/${(p.protocol ?? 'TCP').toLowerCase()}`);
  assert.ok(declared.includes(`${port}/${protocol}`), `Service ${name} declares ${declared.join(', ')}, not ${port}/${protocol}`);
  assert.ok(svc.spec?.clusterIP !== undefined, `Service ${name} has no cluster IP`);
  return svc.spec.clusterIP;
}

Then("a client Pod's {word} datagram/connection to port {int} of the Service {string} is answered by one of its Pods", async function (this: KitWorld, word: string, port: number, name: string) {
  const protocol = protocolOf(word);
  const network = await this.port('network');
  const host = await declaredPort(this, name, port, protocol);
  const vantage = await clientVantage(this);
  await eventually(`a client Pod to reach Service ${name} at ${host}:${port}/${protocol}`, async () => {
    const result = await exchange(network, protocol, vantage, host, port);
    assert.ok(result.ok, `no answer over ${protocol}: ${result.error ?? ''}`);
    const backends = await backendNames(this, name);
    assert.ok(backends.includes(result.reply!), `answered by ${result.reply}, not one of ${backends.join(', ')}`);
  });
});

Then('{int} {word} datagrams/connections from a client Pod to port {int} of the Service {string} reach every Pod of the Deployment', async function (this: KitWorld, count: number, word: string, port: number, name: string) {
  const protocol = protocolOf(word);
  const network = await this.port('network');
  const host = await declaredPort(this, name, port, protocol);
  const vantage = await clientVantage(this);
  const pods = (await readyPods(this, { app: this.recall<string>('last deployment') })).map((p) => p.metadata.name!);
  // As for TCP above: each exchange comes from a new source port, so it is a new flow for
  // the proxy; 40 over 2 backends all landing on one has probability 1.8e-12.
  await eventually(`${count} ${protocol} exchanges with Service ${name} to reach each of ${pods.join(', ')}`, async () => {
    const counts = await network.spray(vantage, host, port, count, { protocol });
    for (const pod of pods) assert.ok((counts.get(pod) ?? 0) > 0, `${pod} got nothing: ${describe(counts)}`);
    assert.ok([...counts.keys()].every((k) => pods.includes(k)), `replies from outside the Deployment or failures: ${describe(counts)}`);
  }, { timeoutMs: 180_000 });
});

Then("a client Pod's {word} datagram/connection to port {int} of the Service {string} gets no answer", async function (this: KitWorld, word: string, port: number, name: string) {
  const protocol = protocolOf(word);
  const network = await this.port('network');
  const host = await declaredPort(this, name, port, protocol);
  const result = await exchange(network, protocol, await clientVantage(this), host, port, { timeoutMs: 3000 });
  assert.equal(result.ok, false, `${host}:${port}/${protocol} answered ${result.reply}`);
});
