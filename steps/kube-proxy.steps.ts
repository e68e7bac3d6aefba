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
  assert.equal(used.size, 1, `the proxies disagree on the scheduler: ${[...used].join(', ')}`);
  // A cluster runs one scheduler; scenarios for the others do not apply to it.
  if (!used.has(scheduler)) {
    return this.notApplicable(`this cluster's kube-proxies use the IPVS scheduler "${[...used][0]}", the scenario needs "${scheduler}" (the kit's own clusters take KCK_IPVS_SCHEDULER)`);
  }
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
  // A client Pod whose connection failed (a rule not yet in place) is replaced by a new one;
  // one that waits for its reply gets 60 s of its own (hold()).
  for (let i = 0; i < count; i++) held.push(await eventually(`connection ${i + 1} to ${name} to open`, () => network.hold(vantage, host, port), { timeoutMs: 130_000 }));
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

Then('the held connections are spread evenly over the {int} Pods', async function (this: KitWorld, count: number) {
  const held = this.recall<Held[]>('held');
  const pods = (await readyPods(this, { app: this.recall<string>('last deployment') })).map((p) => p.metadata.name!);
  assert.equal(pods.length, count, `ready Pods: ${pods.join(', ')}`);
  const load = new Map(pods.map((p) => [p, held.filter((h) => h.reply === p).length]));
  for (const [pod, n] of load) assert.equal(n, held.length / count, `${pod} holds ${n}; loads ${JSON.stringify(Object.fromEntries(load))}`);
});

When('the held connections to the Pod that the first one did not reach are closed', async function (this: KitWorld) {
  const held = this.recall<Held[]>('held');
  const first = held[0]?.reply;
  const other = held.find((h) => h.reply !== first)?.reply;
  assert.ok(other !== undefined, `every held connection reached ${first ?? 'nothing'}`);
  for (const h of held.filter((h) => h.reply === other)) await h.close();
  this.remember('least loaded pod', other);
});

Then('the next {int} connections from that node all go to that Pod, which holds the fewest', async function (this: KitWorld, count: number) {
  const network = await this.port('network');
  const pod = this.recall<string>('least loaded pod');
  const { host, port } = await address(this, this.recall<string>('last service'));
  // The proxy learns of a close from the client's FIN, a moment after the client Pod is gone:
  // a few tries, not a deadline, so that a random balancer cannot win by persistence
  // (P(8 of 8 to one Pod) = 1/256 a try). Round-robin never sends two in a row to one Pod.
  let counts = new Map<string, number>();
  for (let attempt = 1; attempt <= 3; attempt++) {
    counts = await network.spray(this.recall('client vantage'), host, port, count);
    if (counts.get(pod) === count) return;
  }
  assert.fail(`expected all ${count} at ${pod}, the Pod with no open connections; got ${describe(counts)}`);
});
