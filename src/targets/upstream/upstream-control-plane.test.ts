/**
 * Starts the real upstream control plane (when upstream/build.sh has filled the cache) and
 * drives it with the real kubectl: the Deployment -> ReplicaSet -> Pod chain comes from the
 * upstream controller-manager, the binding from the upstream scheduler once Nodes exist.
 * Skipped, with the reason, when the binaries or etcd are not there.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { findEtcd, missingUpstreamBinaries } from './upstream-binaries.ts';
import { startUpstreamControlPlane } from './upstream-control-plane.ts';

const run = promisify(execFile);

async function skipReason(): Promise<string | undefined> {
  if (process.env['KCK_SKIP_UPSTREAM'] === '1') return 'KCK_SKIP_UPSTREAM=1';
  const missing = await missingUpstreamBinaries();
  if (missing.length > 0) return `upstream binaries not built (${missing.join(', ')}): npm run upstream:build`;
  try { await findEtcd(); } catch (error) { return (error as Error).message; }
  try { await run('kubectl', ['version', '--client']); } catch { return 'no kubectl on PATH'; }
  return undefined;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 90_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const node = (name: string): string => JSON.stringify({
  apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: {
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'hand-made', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
  },
});

void test('upstream control plane: kubectl, Deployment to Pods, scheduler binds to hand-made Nodes', { timeout: 300_000 }, async (t) => {
  const reason = await skipReason();
  if (reason !== undefined) { t.skip(reason); return; }
  const cacheDir = await mkdtemp(join(tmpdir(), 'kck-kubectl-cache-'));
  const cp = await startUpstreamControlPlane({ log: (line) => t.diagnostic(line) });
  try {
    const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath, KUBECACHEDIR: cacheDir };
    const kubectl = async (args: string[], input?: string): Promise<string> => {
      const child = run('kubectl', args, { env, maxBuffer: 16 * 1024 * 1024 });
      if (input !== undefined) { child.child.stdin?.end(input); }
      return (await child).stdout;
    };

    const namespaces = await kubectl(['get', 'ns', '-o', 'name']);
    assert.match(namespaces, /namespace\/default/);
    assert.match(namespaces, /namespace\/kube-system/);
    const version = JSON.parse(await kubectl(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
    assert.match(version.serverVersion.gitVersion, /^v1\.\d+\.\d+/);

    // Both controllers hold their leader-election leases.
    for (const lease of ['kube-controller-manager', 'kube-scheduler']) {
      await eventually(`lease ${lease}`, async () => {
        const holder = await kubectl(['-n', 'kube-system', 'get', 'lease', lease, '-o', 'jsonpath={.spec.holderIdentity}']);
        return holder !== '' ? holder : undefined;
      });
    }

    await kubectl(['create', 'deployment', 'web', '--image=registry.invalid/web:1', '--replicas=3']);
    await eventually('a ReplicaSet owned by the Deployment', async () => {
      const rs = JSON.parse(await kubectl(['get', 'rs', '-l', 'app=web', '-o', 'json'])) as { items: { metadata: { ownerReferences?: { kind: string; name: string }[] } }[] };
      return rs.items.some((r) => r.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === 'web')) ? true : undefined;
    });
    type PodList = { items: { spec: { nodeName?: string }; status: { phase?: string } }[] };
    const pods = async (): Promise<PodList['items']> => (JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items;
    await eventually('3 Pending, unbound Pods (no nodes yet)', async () => {
      const items = await pods();
      return items.length === 3 && items.every((p) => p.status.phase === 'Pending' && p.spec.nodeName === undefined) ? true : undefined;
    });

    await kubectl(['create', '-f', '-'], node('hand-made-1'));
    await kubectl(['create', '-f', '-'], node('hand-made-2'));
    const bound = await eventually('every Pod bound to a hand-made Node', async () => {
      const items = await pods();
      return items.length === 3 && items.every((p) => p.spec.nodeName?.startsWith('hand-made-') === true) ? items : undefined;
    });
    assert.equal(bound.length, 3);
  } finally {
    await cp.stop();
    await rm(cacheDir, { recursive: true, force: true });
  }
});
