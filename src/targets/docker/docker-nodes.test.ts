import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../ports/kube-api.ts';
import { eventually } from '../../world/eventually.ts';
import { docker } from './docker-cli.ts';
import { DockerCluster } from './docker-cluster.ts';
import { DockerFaults } from './docker-faults.ts';
import { SESSION, SESSION_LABEL } from './docker-teardown.ts';
import { missingCapabilities } from './kit-container.ts';
import { nodeImage, nodeToolEntries } from './kit-images.ts';
import { dockerNodePlan, NODE_STATE_DIR, nodeContainerPlan, podRoutes } from './node-container-plan.ts';
import { crossNodeProbe } from './testing/cross-node-probe.ts';
import { dockerSkipReason } from './testing/docker-skip-reason.ts';

const noDocker = await dockerSkipReason();

test('kck/node holds the tools the runtime and kube-proxy exec, with their libraries and iptables extensions', async () => {
  const paths = new Set((await nodeToolEntries()).map((e) => e.path));
  for (const tool of ['usr/bin/ip', 'usr/sbin/iptables', 'usr/sbin/iptables-save', 'usr/sbin/iptables-restore', 'usr/sbin/chroot', 'usr/bin/prlimit', 'usr/bin/mknod', 'usr/sbin/sysctl', 'usr/bin/busybox']) {
    assert.ok(paths.has(tool), `kck/node lacks ${tool}`);
  }
  assert.ok(paths.has('usr/lib/x86_64-linux-gnu/xtables/libxt_conntrack.so'), 'no iptables conntrack extension');
  assert.ok([...paths].some((p) => /^lib\/x86_64-linux-gnu\/libxtables\.so/.test(p)), 'no libxtables for iptables');
  assert.ok(paths.has('lib64/ld-linux-x86-64.so.2'), 'no dynamic loader');
  const spec = await nodeImage();
  assert.match(spec.tag, /^kck\/node:/);
  const helper = spec.env?.['KCK_UDP_HELPER'];
  assert.ok(helper !== undefined && paths.has(helper.slice(1)), 'the prebuilt UDP helper is not in the image');
  const all = new Set((await spec.entries()).map((e) => e.path));
  assert.ok(all.has('usr/bin/node') && all.has('kit/bin/kck.mjs') && all.has('kit/src/targets/docker/node-supervisor.ts'), 'kck/node lacks node-runtime entries');
});

test('a node container plan: the container is the node (Pods on cbr0 in namespaces, kubelet API on 10250), state in the container', () => {
  const plan = dockerNodePlan({ name: 'node-2', index: 2, address: '10.80.1.42', manifestDir: '/state/nodes/node-2/manifests' });
  const files = { kubeletKubeconfig: '/state/k.kubeconfig', proxyKubeconfig: '/state/p.kubeconfig', serving: { certPath: '/state/c', keyPath: '/state/k' } };
  const c = nodeContainerPlan(plan, files, { proxyMode: 'iptables', ipvsScheduler: 'rr', cloudProvider: false });
  assert.deepEqual(c.components.map((x) => x.kck), ['runtime', 'kubelet', 'proxy']);
  assert.equal(c.criSocket, `unix://${NODE_STATE_DIR}/runtime.sock`);
  const [runtime, kubelet, proxy] = c.components.map((x) => x.args.join(' '));
  assert.match(runtime ?? '', /--pod-cidr 10\.244\.2\.0\/24 --bridge cbr0 --network netns/);
  assert.match(kubelet ?? '', /--node-ip 10\.80\.1\.42 .*--port 10250/);
  assert.doesNotMatch(kubelet ?? '', /register-with-taints/);
  assert.match(proxy ?? '', /--proxy-mode iptables .*--bind-address 10\.80\.1\.42/);
  assert.deepEqual(podRoutes({ index: 2 }, [{ index: 1, address: '10.80.1.41' }, { index: 2, address: '10.80.1.42' }]), [['ip', 'route', 'replace', '10.244.1.0/24', 'via', '10.80.1.41']]);
});

test('capabilities outside the bounding set are dropped, not asked for', () => {
  assert.deepEqual(missingCapabilities('CapBnd:\t000001fffeffffff\n'), ['SYS_RESOURCE']);
  assert.deepEqual(missingCapabilities('CapBnd:\t000001ffffffffff\n'), []);
});

type NodeView = KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } };

test('node containers register Ready, run Pods, lose and regain the network, and a node joins; nothing is left behind', { skip: noDocker, timeout: 900_000 }, async () => {
  const cluster = await DockerCluster.start({ nodes: 2 });
  try {
    const kube = cluster.client();
    const faults = new DockerFaults(cluster);
    const ready = async (name: string): Promise<string | undefined> => (await kube.get<NodeView>({ apiVersion: 'v1', kind: 'Node', name }))?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    for (const n of ['node-1', 'node-2']) assert.equal(await ready(n), 'True');
    // A Pod on node-2 answers a Pod on node-1 across the run network (pod CIDR routes).
    await crossNodeProbe(kube, 'kck-nodes-probe');
    // A failed scenario's snapshot quotes the node containers' log lines that name its namespace.
    const quoted = await cluster.logs().linesNaming('kck-nodes-probe', 5);
    assert.ok(quoted.some((l) => /^node-\d: .*pod kck-nodes-probe\/.*sandbox .* created/.test(l)), `no node log line names the probe's Pods: ${JSON.stringify(quoted)}`);
    // Isolated, node-2 stops reporting and goes NotReady/Unknown; healed, it is Ready again.
    await faults.isolateNode('node-2');
    await eventually('node-2 to stop being Ready', async () => assert.notEqual(await ready('node-2'), 'True'), { timeoutMs: 120_000 });
    await faults.healNode('node-2');
    await eventually('node-2 to be Ready again', async () => assert.equal(await ready('node-2'), 'True'), { timeoutMs: 120_000 });
    const routes = await cluster.nodes.get('node-2')?.container.exec(['ip', 'route']);
    assert.match(routes ?? '', /10\.244\.1\.0\/24 via/);
    assert.equal(await faults.addNode(), 'node-3');
    assert.equal(await ready('node-3'), 'True');
    const back = await cluster.nodes.get('node-1')?.container.exec(['ip', 'route']);
    assert.match(back ?? '', /10\.244\.3\.0\/24 via/);
  } finally {
    await cluster.stop();
  }
  const filter = ['--filter', `label=${SESSION_LABEL}=${SESSION}`];
  assert.equal(`${await docker(['ps', '-aq', ...filter])}${await docker(['network', 'ls', '-q', ...filter])}`.trim(), '');
});
