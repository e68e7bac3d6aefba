/**
 * The controller-manager against a real kube-apiserver (upstream binary on etcd; no other
 * controllers run): ServiceAccount, ReplicaSet replacement, Deployment rollout, Endpoints
 * and EndpointSlices, garbage collection, namespace deletion and node lifecycle. A tiny
 * "kubelet" in the test marks Pods Running and Ready with an IP where readiness matters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeApi, KubeObject } from '../../../src/ports/kube-api.ts';
import { NODE, POD, type Node, type Pod } from '../../client-machinery/core/api-types.ts';
import { eventually, startTestApiServer, whyNoTestApiServer } from '../../client-machinery/testing/test-api-server.ts';
import type { Deployment, ReplicaSet } from '../core/workload-types.ts';
import { ControllerManager } from '../shell/controller-manager.ts';

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet' } as const;

async function markReady(api: KubeApi, ns: string): Promise<void> {
  const pods = await api.list<Pod>(POD, { namespace: ns });
  let i = 10;
  for (const p of pods.items) {
    i++;
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true || p.metadata.deletionTimestamp !== undefined) continue;
    const ip = `10.244.0.${(Number.parseInt((p.metadata.uid ?? '0').slice(0, 2), 16) % 200) + i}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await api
      .updateStatus<Pod>({ ...p, apiVersion: 'v1', kind: 'Pod', status: { ...(p.status ?? {}), phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } })
      .catch(() => undefined);
  }
}

void test('controller-manager against a real apiserver', { timeout: 300_000 }, async (t) => {
  const why = await whyNoTestApiServer();
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  const server = await startTestApiServer((line) => t.diagnostic(line));
  let cm: ControllerManager | undefined;
  try {
    const api = server.api;
    cm = new ControllerManager(await server.client(), { nodeMonitorGracePeriodMs: 3000, nodeMonitorPeriodMs: 500, log: (line) => t.diagnostic(line) });
    await cm.start();
    const ns = 'cm-test';
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await eventually('default ServiceAccount', async () => api.get({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', namespace: ns }));

    // Deployment -> ReplicaSet -> 3 Pods.
    const template = (image: string): Deployment['spec']['template'] => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image, ports: [{ name: 'http', containerPort: 8080 }] }] } });
    await api.create<Deployment>({ ...DEPLOYMENT, metadata: { name: 'web', namespace: ns }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('img:1'), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } });
    const pods = await eventually('3 pods', async () => {
      const list = (await api.list<Pod>(POD, { namespace: ns })).items;
      return list.length === 3 ? list : undefined;
    });
    assert.ok(pods.every((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet'));

    // A deleted Pod is replaced (S7.2).
    await api.delete({ ...POD, name: pods[0]!.metadata.name, namespace: ns }, { gracePeriodSeconds: 0 });
    await eventually('replacement pod', async () => {
      const list = (await api.list<Pod>(POD, { namespace: ns })).items.filter((p) => p.metadata.deletionTimestamp === undefined);
      return list.length === 3 && !list.some((p) => p.metadata.name === pods[0]!.metadata.name);
    });

    // Service endpoints follow ready Pods, with the named targetPort resolved.
    await api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    await markReady(api, ns);
    await eventually('endpoints with 3 ready addresses on port 8080', async () => {
      const ep = await api.get<KubeObject & { subsets?: { addresses?: unknown[]; ports?: { port: number }[] }[] }>({ apiVersion: 'v1', kind: 'Endpoints', name: 'web', namespace: ns });
      return ep?.subsets?.[0]?.addresses?.length === 3 && ep.subsets[0].ports?.[0]?.port === 8080;
    });
    await eventually('an EndpointSlice with 3 ready endpoints', async () => {
      const slices = await api.list<KubeObject & { endpoints?: { conditions?: { ready?: boolean } }[] }>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }, { namespace: ns, labelSelector: 'kubernetes.io/service-name=web' });
      return slices.items.length === 1 && slices.items[0]!.endpoints?.filter((e) => e.conditions?.ready === true).length === 3;
    });

    // Rolling update to img:2 completes (the test kubelet readies new Pods as they come).
    const d = await api.get<Deployment>({ ...DEPLOYMENT, name: 'web', namespace: ns });
    await api.update<Deployment>({ ...d!, spec: { ...d!.spec, template: template('img:2') } });
    await eventually(
      'rollout to img:2 complete',
      async () => {
        await markReady(api, ns);
        const dep = await api.get<Deployment>({ ...DEPLOYMENT, name: 'web', namespace: ns });
        const progressing = dep?.status?.conditions?.find((c) => c.type === 'Progressing');
        const live = (await api.list<Pod>(POD, { namespace: ns })).items.filter((p) => p.metadata.deletionTimestamp === undefined);
        return progressing?.reason === 'NewReplicaSetAvailable' && dep?.status?.updatedReplicas === 3 && live.length === 3 && live.every((p) => p.spec.containers[0]?.image === 'img:2');
      },
      90_000,
    );
    const sets = (await api.list<ReplicaSet>(RS, { namespace: ns })).items;
    assert.equal(sets.length, 2);
    assert.deepEqual(sets.map((s) => s.metadata.annotations?.['deployment.kubernetes.io/revision']).sort(), ['1', '2']);

    // Deleting the Deployment (background) garbage-collects its ReplicaSets and Pods.
    await api.delete({ ...DEPLOYMENT, name: 'web', namespace: ns }, { propagationPolicy: 'Background' });
    await eventually('ReplicaSets and Pods collected', async () => (await api.list(RS, { namespace: ns })).items.length === 0 && (await api.list(POD, { namespace: ns })).items.length === 0, 60_000);

    // Node lifecycle: a Node whose Lease is never renewed goes Unknown and is tainted; a Pod
    // tolerating unreachable for 1 s is then evicted.
    const created = await api.create<Node>({ ...NODE, metadata: { name: 'silent' }, status: {} });
    await api.updateStatus<Node>({ ...created, status: { allocatable: { cpu: '1', memory: '1Gi', pods: '10' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } });
    await api.create<Pod>({ ...POD, metadata: { name: 'victim', namespace: ns }, spec: { nodeName: 'silent', containers: [{ name: 'c', image: 'x' }], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }] } });
    await eventually('node Ready=Unknown with the unreachable NoExecute taint', async () => {
      const n = await api.get<Node>({ ...NODE, name: 'silent' });
      return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' && n.spec?.taints?.some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute');
    });
    await eventually('victim evicted', async () => {
      const p = await api.get<Pod>({ ...POD, name: 'victim', namespace: ns });
      return p === undefined || p.metadata.deletionTimestamp !== undefined;
    });

    // Namespace deletion empties and finalizes the namespace (the victim, stuck terminating
    // without a kubelet, goes with its node through pod GC).
    await api.delete({ ...NODE, name: 'silent' });
    await api.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    await eventually('namespace gone', async () => (await api.get({ apiVersion: 'v1', kind: 'Namespace', name: ns })) === undefined, 60_000);
  } finally {
    await cm?.stop();
    await server.stop();
  }
});
