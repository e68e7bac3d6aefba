import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { KubeObject } from '../../ports/kube-api.ts';
import { which } from '../which.ts';
import { docker } from './docker-cli.ts';
import { DockerCluster } from './docker-cluster.ts';
import { SESSION, SESSION_LABEL } from './docker-teardown.ts';
import { crossNodeProbe, pinnedPod, runningPodIp } from './testing/cross-node-probe.ts';
import { dockerSkipReason } from './testing/docker-skip-reason.ts';

const skip = (await dockerSkipReason()) || (which('containerd', process.env['PATH']) === undefined && process.env['CI'] !== 'true' ? 'needs containerd (apt-get install containerd runc containernetworking-plugins)' : false);

type NodeView = KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } };

test('containerd node containers run Pods in the pod CIDR across nodes, come back after a crash, and leave nothing behind', { skip, timeout: 900_000 }, async () => {
  const cluster = await DockerCluster.start({ nodes: 2, cri: 'containerd' });
  const nodeIds: string[] = [];
  try {
    const kube = cluster.client();
    for (const n of cluster.nodes.values()) nodeIds.push(n.container.id ?? '');
    const ready = async (name: string): Promise<string | undefined> => (await kube.get<NodeView>({ apiVersion: 'v1', kind: 'Node', name }))?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    // node-2's server Pod gets an IP in node-2's pod CIDR and answers node-1's client Pod.
    await crossNodeProbe(kube, 'kck-containerd-probe');
    // containerd (not the reference runtime) runs it, under runc, in a cgroup below the node container's.
    const node2 = cluster.nodes.get('node-2');
    const tasks = await node2?.container.exec(['ctr', '--address', '/run/containerd/containerd.sock', '-n', 'k8s.io', 'tasks', 'ls']);
    assert.match(tasks ?? '', /RUNNING/);
    assert.ok(existsSync(`/sys/fs/cgroup/memory/docker/${node2?.container.id ?? ''}/k8s.io`), 'Pod cgroups are not below the node container\'s cgroup');
    // A crashed node container restarts with empty tmpfs mounts: containerd starts clean, the images are imported again.
    await node2?.container.kill();
    await node2?.container.start();
    assert.equal(await ready('node-2'), 'True');
    await kube.create(pinnedPod('kck-containerd-probe', 'after-restart', 'node-2', ['/kck/workload', 'pause']));
    await runningPodIp(kube, 'kck-containerd-probe', 'after-restart', '10.244.2.');
  } finally {
    await cluster.stop();
  }
  const filter = ['--filter', `label=${SESSION_LABEL}=${SESSION}`];
  assert.equal(`${await docker(['ps', '-aq', ...filter])}${await docker(['network', 'ls', '-q', ...filter])}${await docker(['volume', 'ls', '-q', ...filter])}`.trim(), '');
  for (const id of nodeIds) assert.ok(!existsSync(`/sys/fs/cgroup/memory/docker/${id}`), `the cgroup of node container ${id} is left on the host`);
});
