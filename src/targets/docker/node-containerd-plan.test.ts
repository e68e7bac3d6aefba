import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CNI_PLUGINS, CONTAINERD_TOOLS, containerdEntries } from './node-containerd-image.ts';
import { dockerNodePlan, nodeContainerPlan } from './node-container-plan.ts';
import { containerdNodePlan, CONTAINERD_TMPFS } from './node-containerd-plan.ts';
import { readOnlyCgroupMounts } from './node-setup.ts';
import { which } from '../which.ts';

const node = dockerNodePlan({ name: 'node-2', index: 2, address: '10.80.1.42', manifestDir: '/state/nodes/node-2/manifests' });
const files = { kubeletKubeconfig: '/state/k.kubeconfig', proxyKubeconfig: '/state/p.kubeconfig', serving: { certPath: '/state/c', keyPath: '/state/k' } };
const options = { proxyMode: 'iptables', ipvsScheduler: 'rr', cloudProvider: false };

test('a containerd node plan: containerd in place of the reference runtime, the kubelet on its socket, kube-proxy as before', () => {
  const plan = containerdNodePlan(node, files, options);
  const reference = nodeContainerPlan(node, files, options);
  assert.deepEqual(plan.components.map((c) => [c.name, c.kck, c.executable]), [
    ['containerd-node-2', 'runtime', '/usr/bin/containerd'],
    ['kubelet-node-2', 'kubelet', undefined],
    ['kube-proxy-node-2', 'proxy', undefined],
  ]);
  assert.deepEqual(plan.components[0]?.args, ['--config', '/etc/containerd/config.toml']);
  assert.equal(plan.criSocket, 'unix:///run/containerd/containerd.sock');
  const kubelet = plan.components[1]?.args ?? [];
  assert.equal(kubelet[kubelet.indexOf('--container-runtime-endpoint') + 1], plan.criSocket);
  // Apart from the endpoint the kubelet and kube-proxy run exactly as on the reference runtime.
  assert.deepEqual(kubelet.filter((a) => a !== plan.criSocket), reference.components[1]?.args.filter((a) => a !== reference.criSocket));
  assert.deepEqual(plan.components[2], reference.components[2]);
});

test('a containerd node plan: the config this machine needs, on the tmpfs root, and a conflist for the node\'s pod CIDR on cbr0', () => {
  const setup = containerdNodePlan(node, files, options).setup;
  assert.ok(setup !== undefined);
  const byPath = new Map(setup.files.map((f) => [f.path, f.content]));
  const config = byPath.get('/etc/containerd/config.toml') ?? '';
  for (const line of ['root = "/var/lib/containerd"', 'state = "/run/containerd"', 'address = "/run/containerd/containerd.sock"', 'restrict_oom_score_adj = true', 'SystemdCgroup = false', 'snapshotter = "overlayfs"', 'disable_apparmor = true', 'sandbox_image = "docker.io/kck/pause:1"', 'conf_dir = "/etc/cni/net.d"']) {
    assert.ok(config.includes(line), `config lacks ${line}`);
  }
  const conflist = JSON.parse(byPath.get('/etc/cni/net.d/10-kck.conflist') ?? '{}') as { plugins: Array<{ type: string; bridge?: string; isGateway?: boolean; ipMasq?: boolean; ipam?: { ranges: Array<Array<{ subnet: string }>>; dataDir: string } }> };
  const bridge = conflist.plugins.find((p) => p.type === 'bridge');
  assert.equal(bridge?.bridge, 'cbr0');
  assert.equal(bridge?.isGateway, true);
  // No masquerade: a Pod's address is seen as it is on other nodes (podRoutes carry it).
  assert.equal(bridge?.ipMasq, false);
  assert.deepEqual(bridge?.ipam?.ranges, [[{ subnet: '10.244.2.0/24' }]]);
  assert.ok(bridge?.ipam?.dataDir.startsWith('/run/containerd/'), 'IP allocations outlive the Pods of a restarted container');
  assert.deepEqual(conflist.plugins.map((p) => p.type), ['bridge', 'loopback']);
  assert.equal(setup.writableCgroups, true);
  assert.deepEqual(setup.imageImport, { address: '/run/containerd/containerd.sock', namespace: 'k8s.io' });
  // Root and state on tmpfs: overlayfs snapshots cannot sit on overlay2, and nothing outlives the container.
  assert.deepEqual(Object.keys(CONTAINERD_TMPFS).sort(), ['/run/containerd', '/var/lib/containerd']);
  for (const opts of Object.values(CONTAINERD_TMPFS)) assert.ok(opts.split(',').includes('exec'), 'snapshots hold the images\' programs');
});

test('the reference node plan has no setup: kck/node runs as before', () => {
  assert.equal(nodeContainerPlan(node, files, options).setup, undefined);
});

test('read-only cgroup mounts are found under /sys/fs/cgroup, nothing else', () => {
  const table = [
    'tmpfs /sys/fs/cgroup tmpfs rw,nosuid,nodev,noexec,relatime,mode=755 0 0',
    'cgroup /sys/fs/cgroup/memory cgroup ro,nosuid,nodev,noexec,relatime,memory 0 0',
    'cgroup /sys/fs/cgroup/pids cgroup rw,nosuid,nodev,noexec,relatime,pids 0 0',
    'systemd /sys/fs/cgroup/systemd cgroup ro,nosuid,nodev,noexec,relatime,name=systemd 0 0',
    'proc /proc/sys proc ro,nosuid 0 0',
    'overlay / overlay rw,relatime 0 0',
  ].join('\n');
  assert.deepEqual(readOnlyCgroupMounts(table), ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/systemd']);
});

const noContainerd = which('containerd', process.env['PATH']) === undefined ? 'needs containerd (apt-get install containerd runc containernetworking-plugins)' : undefined;

test('kck/node-containerd holds containerd, its shim, runc, ctr and the CNI plugins with their libraries', { skip: noContainerd ?? false }, async () => {
  const paths = new Set((await containerdEntries()).map((e) => e.path));
  for (const p of [...CONTAINERD_TOOLS, ...CNI_PLUGINS]) assert.ok(paths.has(p.slice(1)), `kck/node-containerd lacks ${p}`);
  assert.ok([...paths].some((p) => /^lib\/x86_64-linux-gnu\/libseccomp\.so/.test(p)), 'no libseccomp for runc');
  assert.ok(paths.has('lib64/ld-linux-x86-64.so.2'), 'no dynamic loader');
});
