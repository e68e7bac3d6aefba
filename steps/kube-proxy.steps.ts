/**
 * kube-proxy scenarios: which mode and scheduler the proxies run (Topology port), and how
 * connections are spread (Network port). Client Pods are pinned to one node where a
 * scheduler's state is per proxy (lc counts connections per node's proxy).
 */
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import type { ComponentInstance } from '../src/ports/topology.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';
import { address, clientVantage, describe, readyPods } from './support/services-support.ts';

async function proxies(world: KitWorld): Promise<ComponentInstance[]> {
  const topology = await world.port('topology');
  const out: ComponentInstance[] = [];
  for (const node of await topology.nodes()) out.push(...(await topology.nodeComponents(node.name)).filter((c) => c.component === 'kube-proxy'));
  return out;
}

/** A flag's value from a component's command line (--name=value or --name value). */
function flag(args: readonly string[] | undefined, name: string): string | undefined {
  for (let i = 0; i < (args ?? []).length; i++) {
    const arg = args![i]!;
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    if (arg === `--${name}`) return args![i + 1];
  }
  return undefined;
}

Then('every node of the cluster runs kube-proxy', async function (this: KitWorld) {
  const topology = await this.port('topology');
  const nodes = await topology.nodes();
  assert.ok(nodes.length > 0, 'the target has no nodes');
  for (const node of nodes) {
    const components = (await topology.nodeComponents(node.name)).map((c) => c.component);
    assert.ok(components.includes('kube-proxy'), `node ${node.name} runs no kube-proxy (found: ${components.join(', ') || 'nothing'})`);
  }
});

Given("the cluster's kube-proxy reports the mode {string}", async function (this: KitWorld, mode: string) {
  const reported = await (await this.port('topology')).proxyMode();
  // The first word is the mode; the rest may say how it is carried out (e.g. a user-space IPVS).
  assert.equal(reported.split(' ')[0], mode, `kube-proxy reports mode "${reported}"`);
});

Given('kube-proxy uses the IPVS scheduler {string}', async function (this: KitWorld, scheduler: string) {
  const all = await proxies(this);
  assert.ok(all.length > 0, 'no kube-proxy found on any node');
  const used = new Set(all.map((p) => flag(p.args, 'ipvs-scheduler') ?? 'rr'));
  // A cluster runs one scheduler; scenarios for the others do not apply to it.
  if (!used.has(scheduler)) return 'skipped';
  assert.equal(used.size, 1, `the proxies disagree on the scheduler: ${[...used].join(', ')}`);
  return undefined;
});

async function relayedTotal(world: KitWorld): Promise<number> {
  let total = 0;
  for (const proxy of await proxies(world)) {
    assert.ok(proxy.healthUrl !== undefined, `${proxy.name} names no health/metrics address`);
    const res = await fetch(new URL('/metrics', proxy.healthUrl));
    const match = /^kck_proxy_relayed_connections_total (\d+)$/m.exec(await res.text());
    assert.ok(match !== null, `${proxy.name} /metrics has no relayed-connection counter`);
    total += Number(match[1]);
  }
  return total;
}

When('I note how many connections the proxies have relayed', async function (this: KitWorld) {
  this.remember('relayed before', await relayedTotal(this));
});

When('{int} connections from a client Pod to the Service {string} succeed', async function (this: KitWorld, count: number, name: string) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  await eventually(`${count} connections to ${name} to succeed`, async () => {
    const counts = await network.spray(await clientVantage(this), host, port, count);
    assert.ok(!counts.has('!failed'), `failures: ${describe(counts)}`);
  }, { timeoutMs: 120_000 });
});

Then('the proxies have relayed at least {int} more connections', async function (this: KitWorld, count: number) {
  const before = this.recall<number>('relayed before');
  await eventually('the relayed-connection counters to grow', async () => {
    const now = await relayedTotal(this);
    assert.ok(now - before >= count, `relayed ${now - before} connections, expected at least ${count}`);
  });
});

interface Held {
  reply: string;
  close(): Promise<void>;
}

async function holdConnections(world: KitWorld, name: string, count: number): Promise<void> {
  const network = await world.port('network');
  const node = (await (await world.port('topology')).nodes())[0];
  assert.ok(node !== undefined, 'the target has no nodes');
  const vantage = await clientVantage(world, node.name);
  world.remember('client vantage', vantage);
  const { host, port } = await address(world, name);
  const held: Held[] = [];
  world.onCleanUp(async () => {
    for (const h of held) await h.close();
  });
  for (let i = 0; i < count; i++) held.push(await eventually(`connection ${i + 1} to ${name} to open`, () => network.hold(vantage, host, port)));
  world.remember('held', held);
}

When('a client Pod holds {int} connections to the Service {string} open', async function (this: KitWorld, count: number, name: string) {
  await holdConnections(this, name, count);
});

When('client Pods on one node hold {int} connections to the Service {string} open', async function (this: KitWorld, count: number, name: string) {
  await holdConnections(this, name, count);
});

Then('{int} more connections from that client\'s node to the Service {string} still reach both Pods at random', async function (this: KitWorld, count: number, name: string) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  const counts = await network.spray(this.recall('client vantage'), host, port, count);
  const pods = (await readyPods(this, { app: this.recall<string>('last deployment') })).map((p) => p.metadata.name!);
  // Each new connection picks a backend with probability 1/2 whatever the held load; with
  // n = 100, P(a backend gets fewer than 20) < 1e-9 (binomial tail). A load-aware balancer
  // would instead send (nearly) all of them to the less loaded Pod whenever loads differ.
  for (const pod of pods) assert.ok((counts.get(pod) ?? 0) >= count / 5, `${pod}: ${describe(counts)}`);
});

Then('{int} connections from one client Pod to the Service {string} reach each Pod exactly {int} times', async function (this: KitWorld, count: number, name: string, each: number) {
  const network = await this.port('network');
  const { host, port } = await address(this, name);
  const node = (await (await this.port('topology')).nodes())[0]!;
  const counts = await network.spray(await clientVantage(this, node.name), host, port, count);
  const pods = (await readyPods(this, { app: this.recall<string>('last deployment') })).map((p) => p.metadata.name!);
  for (const pod of pods) assert.equal(counts.get(pod), each, `round-robin was uneven: ${describe(counts)}`);
});

Then('the next connection from that node goes to the Pod holding the fewest of them', async function (this: KitWorld) {
  const network = await this.port('network');
  const held = this.recall<Held[]>('held');
  const pods = (await readyPods(this, { app: this.recall<string>('last deployment') })).map((p) => p.metadata.name!);
  const load = new Map(pods.map((p) => [p, held.filter((h) => h.reply === p).length]));
  const fewest = Math.min(...load.values());
  const { host, port } = await address(this, this.recall<string>('last service'));
  const next = await network.tcp(this.recall('client vantage'), host, port);
  assert.ok(next.ok, `connection failed: ${next.error ?? ''}`);
  assert.equal(load.get(next.reply!), fewest, `went to ${next.reply} holding ${load.get(next.reply!)}; loads ${JSON.stringify(Object.fromEntries(load))}`);
});
