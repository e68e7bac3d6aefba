/**
 * The cloud-controller-manager with the loopback cloud against a real kube-apiserver: a
 * LoadBalancer Service gets a 127.77.x.y address whose TCP listener forwards to the NodePort
 * on the node's InternalIP (here a test server on 127.0.0.1 stands in for kube-proxy);
 * provider failures surface as SyncLoadBalancerFailed Events and are retried; deletion
 * closes the balancer and releases the finalizer.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { test } from 'node:test';
import type { KubeApi, KubeObject } from '../../../src/ports/kube-api.ts';
import { NODE, type Node } from '../../client-machinery/core/api-types.ts';
import { eventually, startTestApiServer, whyNoTestApiServer } from '../../client-machinery/testing/test-api-server.ts';
import type { Service } from '../../controller-manager/core/workload-types.ts';
import { CloudControllerManager } from '../shell/cloud-controller-manager.ts';
import { FAIL_ANNOTATION, LoopbackCloud } from '../shell/loopback-cloud.ts';

const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;

async function listenInNodePortRange(): Promise<{ server: Server; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const port = 30000 + Math.floor(Math.random() * 2767);
    const server = createServer((s) => s.end('hello from the node port\n'));
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) return { server, port };
    if (attempt > 50) throw new Error('no free port in the NodePort range');
  }
}

function fetchLine(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (data += d));
    s.on('end', () => resolve(data.trim()));
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}

async function warnings(api: KubeApi, name: string): Promise<string[]> {
  const list = await api.list<KubeObject & { reason: string; message: string; involvedObject: { name: string } }>({ apiVersion: 'v1', kind: 'Event' }, { namespace: 'default' });
  return list.items.filter((e) => e.involvedObject.name === name && e.reason === 'SyncLoadBalancerFailed').map((e) => e.message);
}

void test('cloud-controller-manager with the loopback cloud', { timeout: 240_000 }, async (t) => {
  const why = await whyNoTestApiServer();
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  const backend = await listenInNodePortRange();
  const server = await startTestApiServer((line) => t.diagnostic(line));
  const cloud = new LoopbackCloud((line) => t.diagnostic(line));
  let ccm: CloudControllerManager | undefined;
  try {
    const api = server.api;
    const node = await api.create<Node>({ ...NODE, metadata: { name: 'n1' }, spec: { taints: [{ key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' }] }, status: {} });
    await api.updateStatus<Node>({ ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], conditions: [{ type: 'Ready', status: 'True' }] } });
    ccm = new CloudControllerManager(await server.client(), cloud, { log: (line) => t.diagnostic(line) });
    await ccm.start();

    // Node addresses: the cloud node controller initialises the node.
    await eventually('node initialised by the cloud', async () => {
      const n = await api.get<Node>({ ...NODE, name: 'n1' });
      return n?.spec?.providerID === 'loopback://n1' && !(n.spec.taints ?? []).some((x) => x.key === 'node.cloudprovider.kubernetes.io/uninitialized') && n.status?.addresses?.some((a) => a.type === 'Hostname');
    });

    // A provider error becomes an Event and is retried once the cause is gone.
    await api.create<Service>({ ...SERVICE, metadata: { name: 'lb', namespace: 'default', annotations: { [FAIL_ANNOTATION]: 'quota exceeded' } }, spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 8080, targetPort: 80, nodePort: backend.port }] } });
    await eventually('SyncLoadBalancerFailed event', async () => (await warnings(api, 'lb')).some((m) => m.includes('quota exceeded')));
    const svc = await api.get<Service>({ ...SERVICE, name: 'lb', namespace: 'default' });
    assert.equal(svc?.status?.loadBalancer?.ingress, undefined, 'no address while the provider fails');
    await api.patch({ ...SERVICE, name: 'lb', namespace: 'default' }, { metadata: { annotations: { [FAIL_ANNOTATION]: null } } }, 'merge');

    const ip = await eventually('an ingress address', async () => (await api.get<Service>({ ...SERVICE, name: 'lb', namespace: 'default' }))?.status?.loadBalancer?.ingress?.[0]?.ip);
    assert.match(ip, /^127\.77\.\d+\.\d+$/);
    assert.equal(await eventually('a reply through the balancer', () => fetchLine(ip, 8080)), 'hello from the node port');

    // Deletion closes the balancer and lets the Service go.
    await api.delete({ ...SERVICE, name: 'lb', namespace: 'default' });
    await eventually('service gone', async () => (await api.get({ ...SERVICE, name: 'lb', namespace: 'default' })) === undefined);
    await eventually('balancer closed', async () => fetchLine(ip, 8080).then(() => false, () => true));
  } finally {
    await ccm?.stop();
    await cloud.close();
    await server.stop();
    backend.server.close();
  }
});
