/**
 * Shared by the upstream integration tests: why a test must be skipped on this machine, a
 * kubectl bound to one kubeconfig, a deadline-bound poll, and the Deployment -> ReplicaSet
 * -> Pods -> binding walk both tests make.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findEtcd, missingUpstreamBinaries } from './upstream-binaries.ts';

const run = promisify(execFile);

export async function upstreamSkipReason(): Promise<string | undefined> {
  if (process.env['KCK_SKIP_UPSTREAM'] === '1') return 'KCK_SKIP_UPSTREAM=1';
  const missing = await missingUpstreamBinaries();
  if (missing.length > 0) return `upstream binaries not built (${missing.join(', ')}): npm run upstream:build`;
  try { await findEtcd(); } catch (error) { return (error as Error).message; }
  try { await run('kubectl', ['version', '--client']); } catch { return 'no kubectl on PATH'; }
  return undefined;
}

export type Kubectl = (args: string[], input?: string) => Promise<string>;

export function kubectlFor(kubeconfigPath: string, cacheDir: string): Kubectl {
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, KUBECACHEDIR: cacheDir };
  return async (args, input) => {
    const child = run('kubectl', args, { env, maxBuffer: 16 * 1024 * 1024 });
    if (input !== undefined) child.child.stdin?.end(input);
    return (await child).stdout;
  };
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 90_000): Promise<T> {
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

export const handMadeNode = (name: string): string => JSON.stringify({
  apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: {
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'hand-made', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
  },
});

const deployment = (name: string, replicas: number): string => JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name } },
  spec: {
    replicas, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'registry.invalid/web:1' }] } },
  },
});

/**
 * Both controllers hold their Leases; a Deployment gets a ReplicaSet and Pending Pods; once
 * Nodes exist (and the node-lifecycle controller lifts the not-ready taint the apiserver puts
 * on new Nodes) every Pod is bound. `create -f` keeps kubectl on JSON (upstream kubectl's
 * `create deployment` posts protobuf).
 */
export async function deploymentToBoundPods(kubectl: Kubectl, name: string): Promise<void> {
  for (const lease of ['kube-controller-manager', 'kube-scheduler']) {
    await eventually(`lease ${lease}`, async () => {
      const holder = await kubectl(['-n', 'kube-system', 'get', 'lease', lease, '-o', 'jsonpath={.spec.holderIdentity}']);
      return holder !== '' ? holder : undefined;
    });
  }
  await kubectl(['create', '-f', '-'], deployment(name, 3));
  await eventually('a ReplicaSet owned by the Deployment', async () => {
    const rs = JSON.parse(await kubectl(['get', 'rs', '-l', `app=${name}`, '-o', 'json'])) as { items: { metadata: { ownerReferences?: { kind: string; name: string }[] } }[] };
    return rs.items.some((r) => r.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === name)) ? true : undefined;
  });
  type PodList = { items: { spec: { nodeName?: string }; status: { phase?: string } }[] };
  const pods = async (): Promise<PodList['items']> => (JSON.parse(await kubectl(['get', 'pods', '-l', `app=${name}`, '-o', 'json'])) as PodList).items;
  await eventually('3 Pending, unbound Pods (no nodes yet)', async () => {
    const items = await pods();
    return items.length === 3 && items.every((p) => p.status.phase === 'Pending' && p.spec.nodeName === undefined) ? true : undefined;
  });
  await kubectl(['create', '-f', '-'], handMadeNode(`${name}-node-1`));
  await kubectl(['create', '-f', '-'], handMadeNode(`${name}-node-2`));
  const bound = await eventually('every Pod bound to a hand-made Node', async () => {
    const items = await pods();
    return items.length === 3 && items.every((p) => p.spec.nodeName?.startsWith(`${name}-node-`) === true) ? items : undefined;
  });
  assert.equal(bound.length, 3);
}
