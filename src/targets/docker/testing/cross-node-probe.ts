/**
 * For the docker node tests: Pods pinned to a node (no scheduler involved), and the probe that
 * a Pod on one node reaches a Pod on another by its Pod IP (the pod CIDR routes between node
 * containers).
 */
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../clients/kube/kube-client.ts';
import type { KubeObject } from '../../../ports/kube-api.ts';
import { eventually } from '../../../world/eventually.ts';

type PodView = KubeObject & { status?: { phase?: string; podIP?: string } };

export function pinnedPod(namespace: string, name: string, node: string, command: string[]): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace },
    spec: { nodeName: node, restartPolicy: 'Never', terminationGracePeriodSeconds: 1, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'c', image: 'kck/workload:1', command }] },
  };
}

/** The Pod's IP once it runs, which must start with `ipPrefix` (its node's pod CIDR). */
export function runningPodIp(kube: KubeClient, namespace: string, name: string, ipPrefix: string): Promise<string> {
  return eventually(`the Pod ${name} to run`, async () => {
    const p = await kube.get<PodView>({ apiVersion: 'v1', kind: 'Pod', namespace, name });
    assert.equal(p?.status?.phase, 'Running');
    assert.ok(p.status.podIP?.startsWith(ipPrefix), `pod IP ${p.status.podIP ?? ''} is not in ${ipPrefix}0/24`);
    return p.status.podIP ?? '';
  }, { timeoutMs: 120_000 });
}

/** A `server` Pod on node-2 answers a `client` Pod on node-1 at its Pod IP; returns the server's IP. */
export async function crossNodeProbe(kube: KubeClient, namespace: string): Promise<string> {
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await kube.create(pinnedPod(namespace, 'server', 'node-2', ['/kck/workload', 'serve-hostname']));
  const ip = await runningPodIp(kube, namespace, 'server', '10.244.2.');
  await kube.create(pinnedPod(namespace, 'client', 'node-1', ['sh', '-c', `echo | nc -w 5 ${ip} 9376`]));
  await eventually('the client Pod to read the server name', async () => {
    const p = await kube.get<PodView>({ apiVersion: 'v1', kind: 'Pod', namespace, name: 'client' });
    assert.equal(p?.status?.phase, 'Succeeded');
    const log = await kube.request('GET', `/api/v1/namespaces/${namespace}/pods/client/log`);
    assert.match(log.text, /server/);
  }, { timeoutMs: 120_000 });
  return ip;
}
