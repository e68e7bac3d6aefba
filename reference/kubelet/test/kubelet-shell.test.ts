/**
 * The kubelet process logic against a real kube-apiserver (upstream binary, no scheduler or
 * controller-manager) and a real CRI runtime (KCK_CRI: reference by default, or containerd):
 * node registration and Lease, Pods bound to it only, status and probes, restartPolicy,
 * init containers, graceful deletion, RuntimeClass, static and mirror Pods.
 * Skips when no apiserver can run here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeApi, KubeObject } from '../../../src/ports/kube-api.ts';
import { criRuntimeFactory } from '../../../src/targets/cri/cri-runtime-factory.ts';
import { eventually, startTestApiServer, whyNoTestApiServer } from '../../client-machinery/testing/test-api-server.ts';
import type { PodJson, PodStatusJson } from '../core/pod-types.ts';
import { Kubelet } from '../shell/kubelet.ts';
import { sandboxConfig } from '../shell/pod-executor.ts';
import { LABEL_POD_UID } from '../shell/runtime-observer.ts';

const NODE = 'kn1';
const POD = { apiVersion: 'v1', kind: 'Pod' };

function pod(name: string, spec: Partial<PodJson['spec']> & { containers: PodJson['spec']['containers'] }, node = NODE): KubeObject {
  return { ...POD, metadata: { name, namespace: 'default' }, spec: { nodeName: node, automountServiceAccountToken: false, terminationGracePeriodSeconds: 5, ...spec } };
}
const workload = (name: string, args: string[], extra: object = {}): PodJson['spec']['containers'][number] => ({ name, image: 'kck/workload:1', args, ...extra });

async function status(api: KubeApi, name: string): Promise<PodStatusJson | undefined> {
  const p = await api.get<KubeObject>({ ...POD, name, namespace: 'default' });
  return p?.['status'] as PodStatusJson | undefined;
}

void test('kubelet shell against a real apiserver and CRI runtime', { timeout: 300_000 }, async (t) => {
  const why = await whyNoTestApiServer();
  if (why !== undefined) { t.skip(why); return; }
  const server = await startTestApiServer((line) => t.diagnostic(line));
  const runtime = await criRuntimeFactory().start();
  const root = mkdtempSync(join(tmpdir(), 'kck-kubelet-'));
  const manifests = join(root, 'manifests');
  let kubelet: Kubelet | undefined;
  try {
    const api = server.api;
    writeFileSync(join(root, '.keep'), '');
    kubelet = new Kubelet({
      kube: await server.client(), cri: runtime.cri, root, manifestPath: manifests, log: (line) => t.diagnostic(line),
      facts: { name: NODE, ip: '127.0.0.1', hostname: NODE, podCidr: '10.244.1.0/24', labels: { 'kck.io/pool': 'a' }, taints: [], cpu: 2, memoryBytes: 4 << 30, maxPods: 110, kubeletPort: 0, runtimeVersion: '', kubeletVersion: 'v1.33.0-kck' },
    });
    await kubelet.start();

    await t.test('registers its Node, Ready, and renews its Lease (S8.1)', async () => {
      const node = await eventually('node Ready', async () => {
        const n = await api.get<KubeObject>({ apiVersion: 'v1', kind: 'Node', name: NODE });
        const conditions = (n?.['status'] as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
        return conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
      });
      const st = node['status'] as { capacity: Record<string, string>; addresses: Array<{ type: string; address: string }> };
      assert.equal(st.capacity['pods'], '110');
      assert.deepEqual(st.addresses.find((a) => a.type === 'InternalIP')?.address, '127.0.0.1');
      assert.equal(node.metadata.labels?.['kck.io/pool'], 'a');
      const lease = await eventually('lease', () => api.get<KubeObject>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: NODE, namespace: 'kube-node-lease' }));
      assert.equal((lease['spec'] as { holderIdentity: string }).holderIdentity, NODE);
    });

    await t.test('runs its Pods with probes and reports Ready with a pod IP; ignores other nodes\' Pods (S8.2)', async () => {
      await api.create(pod('web', { containers: [workload('web', ['serve-hostname'], { readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 }, livenessProbe: { tcpSocket: { port: 9376 }, periodSeconds: 2 } })] }));
      await api.create(pod('elsewhere', { containers: [workload('c', ['pause'])] }, 'other-node'));
      const st = await eventually('web Ready', async () => {
        const s = await status(api, 'web');
        return s?.phase === 'Running' && s.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
      }, 60_000);
      assert.ok(st.podIP, 'a pod IP');
      assert.equal(st.containerStatuses[0]?.ready, true);
      assert.equal(st.containerStatuses[0]?.restartCount, 0);
      // The log server the Node advertises serves the container's CRI log as plain lines.
      const node = await api.get<KubeObject>({ apiVersion: 'v1', kind: 'Node', name: NODE });
      const port = (node?.['status'] as { daemonEndpoints: { kubeletEndpoint: { Port: number } } }).daemonEndpoints.kubeletEndpoint.Port;
      const logs = await eventually('web logs', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/containerLogs/default/web/web`);
        const text = await res.text();
        return res.status === 200 && text.includes('serving web') ? text : undefined;
      });
      assert.match(logs, /^serving web on tcp 9376 udp 9377 http 8080$/m);
      const other = await status(api, 'elsewhere');
      assert.equal(other?.conditions, undefined, 'a Pod of another node is not touched');
      assert.equal(other?.hostIP, undefined, 'a Pod of another node is not touched');
    });

    await t.test('a second ready sandbox of a Pod goes; the Pod is Ready in its one sandbox, with that sandbox\'s IP', async () => {
      // What a sync acting on a stale observation used to leave: two sandboxes of one attempt.
      const web = await api.get<KubeObject>({ ...POD, name: 'web', namespace: 'default' });
      assert.ok(web !== undefined);
      await runtime.cri.runPodSandbox(sandboxConfig(root, NODE, web as unknown as PodJson, 0));
      const uid = web.metadata.uid ?? '';
      // Then the Pod is Ready, and reports the IP of the one sandbox its container runs in.
      await eventually('one ready sandbox for web, and web Ready with its IP', async () => {
        const ready = (await runtime.cri.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: uid } })).filter((x) => x.state === 'SANDBOX_READY');
        const s = await status(api, 'web');
        if (ready.length !== 1 || s?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') !== true) return undefined;
        const ip = (await runtime.cri.podSandboxStatus(ready[0]!.id)).network?.ip;
        const inIt = (await runtime.cri.listContainers()).filter((c) => c.podSandboxId === ready[0]!.id && c.state === 'CONTAINER_RUNNING');
        return s.podIP === ip && inIt.length === 1 ? true : undefined;
      }, 60_000);
    });

    await t.test('honours restartPolicy: Always restarts, Never reports the failure (S8.2)', async () => {
      await api.create(pod('crashy', { restartPolicy: 'Always', containers: [workload('c', ['exit', '1'])] }));
      await api.create(pod('once', { restartPolicy: 'Never', containers: [workload('c', ['exit', '3'])] }));
      await eventually('crashy restarted', async () => ((await status(api, 'crashy'))?.containerStatuses[0]?.restartCount ?? 0) >= 1, 60_000);
      const once = await eventually('once Failed', async () => { const s = await status(api, 'once'); return s?.phase === 'Failed' ? s : undefined; }, 60_000);
      assert.equal(once.containerStatuses[0]?.state.terminated?.exitCode, 3);
      assert.equal(once.containerStatuses[0]?.restartCount, 0);
    });

    await t.test('runs init containers first, in order (S8.2)', async () => {
      await api.create(pod('inits', { restartPolicy: 'Never', initContainers: [workload('one', ['write', 'one']), workload('two', ['write', 'two'])], containers: [workload('main', ['exit', '0'])] }));
      const s = await eventually('inits Succeeded', async () => { const x = await status(api, 'inits'); return x?.phase === 'Succeeded' ? x : undefined; }, 60_000);
      const finished = (name: string): string => s.initContainerStatuses?.find((c) => c.name === name)?.state.terminated?.finishedAt ?? '';
      const mainStarted = s.containerStatuses[0]?.state.terminated?.startedAt ?? '';
      assert.ok(finished('one') <= finished('two') && finished('two') <= mainStarted, `one ${finished('one')} two ${finished('two')} main ${mainStarted}`);
      assert.ok(s.conditions.some((c) => c.type === 'Initialized' && c.status === 'True'));
    });

    await t.test('deletes gracefully: containers stopped, then the Pod is gone (S8.2)', async () => {
      await api.delete({ ...POD, name: 'web', namespace: 'default' });
      await eventually('web gone', async () => (await api.get({ ...POD, name: 'web', namespace: 'default' })) === undefined, 60_000);
    });

    await t.test('RuntimeClass: the handler goes to CRI, an unknown class fails the Pod (S9.3)', async () => {
      await api.create({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'secure' }, handler: 'sandboxed' });
      await api.create(pod('tenant', { runtimeClassName: 'secure', containers: [workload('c', ['pause'])] }));
      // Rejected either by the apiserver's RuntimeClass admission (upstream) or, if the
      // apiserver lets it through, by the kubelet, which fails the Pod.
      const rejected = await api.create(pod('lost', { runtimeClassName: 'no-such-class', containers: [workload('c', ['pause'])] })).then(() => false, (err: Error) => /RuntimeClass "no-such-class" not found/.test(err.message));
      await eventually('tenant Running', async () => (await status(api, 'tenant'))?.phase === 'Running', 60_000);
      const sandboxes = await runtime.cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.name': 'tenant' } });
      assert.equal(sandboxes[0]?.runtimeHandler, 'sandboxed');
      if (!rejected) {
        const lost = await eventually('lost Failed', async () => { const s = await status(api, 'lost'); return s?.phase === 'Failed' ? s : undefined; });
        assert.equal(lost.reason, 'RuntimeClassNotFound');
      }
    });

    await t.test('static Pods: mirror appears, comes back when deleted, goes with the manifest (S8.3)', async () => {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(manifests, { recursive: true });
      const file = join(manifests, 'static-web.yaml');
      writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\n  namespace: default\nspec:\n  containers:\n  - name: web\n    image: kck/workload:1\n    args: [serve-hostname]\n');
      const mirrorName = `static-web-${NODE}`;
      const first = await eventually('mirror pod Running', async () => {
        const p = await api.get<KubeObject>({ ...POD, name: mirrorName, namespace: 'default' });
        return p && (p['status'] as PodStatusJson | undefined)?.phase === 'Running' ? p : undefined;
      }, 60_000);
      assert.ok(first.metadata.annotations?.['kubernetes.io/config.mirror']);
      await api.delete({ ...POD, name: mirrorName, namespace: 'default' }, { gracePeriodSeconds: 0 });
      await eventually('mirror pod back', async () => {
        const p = await api.get({ ...POD, name: mirrorName, namespace: 'default' });
        return p !== undefined && p.metadata.uid !== first.metadata.uid;
      }, 60_000);
      unlinkSync(file);
      await eventually('mirror pod gone', async () => (await api.get({ ...POD, name: mirrorName, namespace: 'default' })) === undefined, 60_000);
      await eventually('static pod stopped', async () => (await runtime.cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.name': mirrorName } })).length === 0);
    });
  } finally {
    await kubelet?.stop();
    for (const s of await runtime.cri.listPodSandbox().catch(() => [])) {
      await runtime.cri.stopPodSandbox(s.id).catch(() => undefined);
      await runtime.cri.removePodSandbox(s.id).catch(() => undefined);
    }
    await runtime.stop();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
