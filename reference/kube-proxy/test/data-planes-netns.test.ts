/**
 * Every mode end to end in network namespaces (root only): the proxy program runs in a
 * "node" namespace, backends and a client in "pod" namespaces, and real TCP/UDP
 * connections go to ClusterIP:port (from a pod and from the node) and NodeIP:NodePort
 * (from outside). Desired state comes through --objects-from-stdin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { EndpointSlice, Service } from '../core/api-types.ts';
import { parseSave } from '../core/iptables-restore-text.ts';
import { IPVS_USERSPACE_MODE } from '../shell/ipvs-kernel.ts';
import type { Child } from '../testing/child-process.ts';
import { NetnsTopology, type Agent } from '../testing/netns-topology.ts';
import { service, slice } from './fixtures.ts';

const root = process.getuid?.() === 0;
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const CLUSTER_IP = '10.96.0.10';
const EMPTY_IP = '10.96.0.11';
const STICKY_IP = '10.96.0.12';
const NODE_PORT = 30080;
const LOCAL_IP = '10.96.0.13';
const LOCAL_NODE_PORT = 30081;

type Result = { ok: boolean; reply?: string; error?: string; hold?: number };

function objects(ready: Record<string, boolean>, spec: Partial<NonNullable<Service['spec']>> = {}): { services: Service[]; endpointSlices: EndpointSlice[] } {
  const eps = Object.entries(ready).map(([name, r]) => ({ ip: `10.244.${Number(name.slice(2))}.2`, ready: r, node: 'n1' }));
  return {
    services: [
      service('web', CLUSTER_IP, [{ name: 'tcp', port: 80, nodePort: NODE_PORT }, { name: 'udp', port: 80, protocol: 'UDP' }], { type: 'NodePort', ...spec }),
      service('empty', EMPTY_IP, [{ name: 'tcp', port: 80 }]),
      service('sticky', STICKY_IP, [{ name: 'tcp', port: 80 }], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } }),
      service('local', LOCAL_IP, [{ name: 'tcp', port: 80, nodePort: LOCAL_NODE_PORT }], { type: 'NodePort', externalTrafficPolicy: 'Local' }),
    ],
    endpointSlices: [
      slice('web', [{ name: 'tcp', port: 8080 }, { name: 'udp', port: 8080, protocol: 'UDP' }], eps),
      slice('sticky', [{ name: 'tcp', port: 8080 }], eps),
      // be2 counts as running on another node: external traffic must not reach it here.
      slice('local', [{ name: 'tcp', port: 8080 }], [{ ip: '10.244.1.2', node: 'n1' }, { ip: '10.244.2.2', node: 'n2' }]),
    ],
  };
}

interface Cluster {
  topo: NetnsTopology;
  proxy: Child;
  client: Agent;
  outside: Agent;
  nodeAgent: Agent;
  apply(generation: number, state: ReturnType<typeof objects>): Promise<void>;
  proxyMode(): Promise<string>;
}

async function withCluster(mode: string, extraArgs: string[], body: (c: Cluster) => Promise<void>): Promise<void> {
  const topo = new NetnsTopology();
  try {
    // Pod names be<k> get 10.244.<k>.2; "be3" is the client Pod.
    await topo.create(['be1', 'be2', 'be3']);
    await Promise.all([topo.backend('be1', 8080), topo.backend('be2', 8080)]);
    const proxy = topo.spawn(topo.node, MAIN, ['--objects-from-stdin', '--proxy-mode', mode, '--hostname-override', 'n1', '--metrics-bind-address', '127.0.0.1:0', '--cluster-cidr', '10.244.0.0/16', ...extraArgs]);
    const [client, outside, nodeAgent] = await Promise.all([topo.agent(topo.pods.get('be3')!.ns), topo.agent(topo.outside), topo.agent(topo.node)]);
    const metricsLine = await proxy.waitFor(/\/proxyMode on http:/, 60_000);
    const metricsUrl = /(http:\/\/\S+)/.exec(metricsLine)![1]!;
    const cluster: Cluster = {
      topo,
      proxy,
      client,
      outside,
      nodeAgent,
      apply: async (generation, state) => {
        proxy.write(JSON.stringify({ generation, ...state }));
        await proxy.waitFor(new RegExp(`generation=${generation}$`), 30_000);
      },
      proxyMode: async () => (await nodeAgent.call<{ body: string }>({ op: 'http', url: `${metricsUrl}/proxyMode` })).body,
    };
    await body(cluster);
  } finally {
    await topo.destroy();
  }
}

const spray = (agent: Agent, host: string, port: number, count: number, extra: Record<string, unknown> = {}): Promise<Record<string, number>> =>
  agent.call<Record<string, number>>({ op: 'spray', host, port, count, timeoutMs: 5000, ...extra });

test('iptables mode: kernel DNAT spreads 200 connections randomly over both backends, NodePort from outside, REJECT without endpoints, incremental resync', { skip: !root && 'needs root for network namespaces' }, async () => {
  await withCluster('iptables', [], async (c) => {
    await c.apply(1, objects({ be1: true, be2: true }));
    assert.equal(await c.proxyMode(), 'iptables');
    const save = parseSave((await c.topo.exec(c.topo.node, ['iptables-save'])).stdout);
    const svcChains = [...save.nat.keys()].filter((k) => k.startsWith('KUBE-SVC-'));
    assert.equal(svcChains.length, 4, 'one KUBE-SVC chain per service port with endpoints (web tcp, web udp, sticky, local)');
    for (const chain of svcChains) assert.ok(save.nat.get(chain)!.some((r) => r.includes('--probability 0.5')), `${chain}: ${save.nat.get(chain)!.join('\n')}`);

    // 200 connections, each backend with probability 1/2: P(count < 60 or > 140) < 2e-8 (binomial tail).
    const counts = await spray(c.client, CLUSTER_IP, 80, 200);
    assert.equal((counts['be1'] ?? 0) + (counts['be2'] ?? 0), 200, JSON.stringify(counts));
    assert.ok(counts['be1']! >= 60 && counts['be2']! >= 60, JSON.stringify(counts));

    const udp = await spray(c.client, CLUSTER_IP, 80, 20, { protocol: 'udp' });
    assert.equal((udp['be1'] ?? 0) + (udp['be2'] ?? 0), 20, JSON.stringify(udp));
    const fromOutside = await c.outside.call<Result>({ op: 'tcp', host: c.topo.nodeIP, port: NODE_PORT });
    assert.ok(fromOutside.ok && /^be[12]$/.test(fromOutside.reply!), JSON.stringify(fromOutside));
    const fromNode = await c.nodeAgent.call<Result>({ op: 'tcp', host: CLUSTER_IP, port: 80 });
    assert.ok(fromNode.ok, JSON.stringify(fromNode));
    const empty = await c.client.call<Result>({ op: 'tcp', host: EMPTY_IP, port: 80 });
    assert.equal(empty.error, 'ECONNREFUSED');
    // ClientIP affinity (-m recent): 20 connections from one client, one backend.
    assert.equal(Object.keys(await spray(c.client, STICKY_IP, 80, 20)).length, 1);
    // externalTrafficPolicy Local: from outside only this node's endpoint; from a Pod, any.
    assert.deepEqual(await spray(c.outside, c.topo.nodeIP, LOCAL_NODE_PORT, 10), { be1: 10 });
    assert.equal(Object.keys(await spray(c.client, LOCAL_IP, 80, 40)).length, 2);

    // be1 stops being ready: an incremental restore, then only be2 answers.
    await c.apply(2, objects({ be1: false, be2: true }));
    assert.deepEqual(await spray(c.client, CLUSTER_IP, 80, 20), { be2: 20 });
    assert.ok(c.proxy.lines.some((l) => /generation=2$/.test(l) && !l.includes('(full)')));
  });
});

test('nftables mode: numgen random maps spread connections over both backends, NodePort from outside, reject without endpoints, affinity', { skip: !root && 'needs root for network namespaces' }, async () => {
  await withCluster('nftables', [], async (c) => {
    await c.apply(1, objects({ be1: true, be2: true }));
    assert.equal(await c.proxyMode(), 'nftables');
    const listing = (await c.topo.exec(c.topo.node, ['nft', 'list', 'table', 'ip', 'kube-proxy'])).stdout;
    assert.match(listing, /numgen random mod 2 vmap/);
    // Binomial bound as in iptables mode: P(a backend < 60 of 200) < 2e-8.
    const counts = await spray(c.client, CLUSTER_IP, 80, 200);
    assert.ok((counts['be1'] ?? 0) >= 60 && (counts['be2'] ?? 0) >= 60 && counts['be1']! + counts['be2']! === 200, JSON.stringify(counts));
    const udp = await spray(c.client, CLUSTER_IP, 80, 10, { protocol: 'udp' });
    assert.equal((udp['be1'] ?? 0) + (udp['be2'] ?? 0), 10, JSON.stringify(udp));
    const fromOutside = await c.outside.call<Result>({ op: 'tcp', host: c.topo.nodeIP, port: NODE_PORT });
    assert.ok(fromOutside.ok && /^be[12]$/.test(fromOutside.reply!), JSON.stringify(fromOutside));
    assert.ok((await c.nodeAgent.call<Result>({ op: 'tcp', host: CLUSTER_IP, port: 80 })).ok);
    assert.equal((await c.client.call<Result>({ op: 'tcp', host: EMPTY_IP, port: 80 })).error, 'ECONNREFUSED');
    assert.equal(Object.keys(await spray(c.client, STICKY_IP, 80, 20)).length, 1);
    // externalTrafficPolicy Local: from outside only this node's endpoint; from a Pod, any.
    assert.deepEqual(await spray(c.outside, c.topo.nodeIP, LOCAL_NODE_PORT, 10), { be1: 10 });
    assert.equal(Object.keys(await spray(c.client, LOCAL_IP, 80, 40)).length, 2);
    await c.apply(2, objects({ be1: false, be2: true }));
    assert.deepEqual(await spray(c.client, CLUSTER_IP, 80, 20), { be2: 20 });
  });
});

test('userspace mode: the proxy process accepts and relays, round-robin exactly even, NodePort and UDP', { skip: !root && 'needs root for network namespaces' }, async () => {
  await withCluster('userspace', [], async (c) => {
    await c.apply(1, objects({ be1: true, be2: true }));
    assert.equal(await c.proxyMode(), 'userspace');
    assert.deepEqual(await spray(c.client, CLUSTER_IP, 80, 40), { be1: 20, be2: 20 });
    assert.equal(Object.keys(await spray(c.client, STICKY_IP, 80, 10)).length, 1);
    // externalTrafficPolicy Local: from outside only this node's endpoint; from a Pod, any.
    assert.deepEqual(await spray(c.outside, c.topo.nodeIP, LOCAL_NODE_PORT, 10), { be1: 10 });
    assert.equal(Object.keys(await spray(c.client, LOCAL_IP, 80, 40)).length, 2);
    assert.deepEqual(await spray(c.client, CLUSTER_IP, 80, 4, { protocol: 'udp' }), { be1: 2, be2: 2 });
    const fromOutside = await c.outside.call<Result>({ op: 'tcp', host: c.topo.nodeIP, port: NODE_PORT });
    assert.ok(fromOutside.ok, JSON.stringify(fromOutside));
    const empty = await c.client.call<Result>({ op: 'tcp', host: EMPTY_IP, port: 80 });
    assert.equal(empty.ok, false);
    // No iptables rules in this mode: the process itself holds the service address.
    const save = (await c.topo.exec(c.topo.node, ['iptables-save', '-t', 'nat'])).stdout;
    assert.ok(!save.includes('KUBE-SVC-'));
  });
});

test('ipvs mode without kernel IP_VS: user-space IPVS says so; lc picks the least loaded backend, sh sticks per client address', { skip: !root && 'needs root for network namespaces' }, async () => {
  await withCluster('ipvs', ['--ipvs-scheduler', 'lc'], async (c) => {
    await c.apply(1, objects({ be1: true, be2: true }));
    assert.equal(await c.proxyMode(), IPVS_USERSPACE_MODE);
    // Four held connections: lc alternates be1, be2, be1, be2 (ties go to the first server).
    const holds: Result[] = [];
    for (let i = 0; i < 4; i++) holds.push(await c.client.call<Result>({ op: 'hold', host: CLUSTER_IP, port: 80 }));
    assert.deepEqual(holds.map((h) => h.reply), ['be1', 'be2', 'be1', 'be2']);
    // Close both on be2: be1 holds 2, be2 none. Round-robin would now say be1; lc says be2,
    // and be2 again for the next one (1 < 2).
    for (const h of holds.filter((x) => x.reply === 'be2')) await c.client.call({ op: 'release', hold: h.hold });
    const deadline = Date.now() + 20_000;
    let next: Result[] = [];
    do {
      for (const h of next) await c.client.call({ op: 'release', hold: h.hold });
      next = [];
      for (let i = 0; i < 2; i++) next.push(await c.client.call<Result>({ op: 'hold', host: CLUSTER_IP, port: 80 }));
      // The relay learns of a close asynchronously; retry until it has (bounded by the deadline).
    } while (next.some((n) => n.reply !== 'be2') && Date.now() < deadline);
    assert.deepEqual(next.map((n) => n.reply), ['be2', 'be2']);
    holds.push(...next);
    for (const h of holds) await c.client.call({ op: 'release', hold: h.hold });
  });
  await withCluster('ipvs', ['--ipvs-scheduler', 'sh'], async (c) => {
    await c.apply(1, objects({ be1: true, be2: true }));
    const clientNs = c.topo.pods.get('be3')!.ns;
    const seen = new Set<string>();
    for (let i = 3; i <= 10; i++) {
      await c.topo.exec(clientNs, ['ip', 'addr', 'add', `10.244.3.${i}/24`, 'dev', 'eth0']);
      const counts = await spray(c.client, CLUSTER_IP, 80, 4, { sourceAddress: `10.244.3.${i}` });
      assert.equal(Object.keys(counts).length, 1, `10.244.3.${i}: ${JSON.stringify(counts)}`);
      seen.add(Object.keys(counts)[0]!);
    }
    assert.ok(seen.size === 2, 'eight client addresses should hash onto both backends');
  });
});
