/**
 * The proxy program against the real upstream kube-apiserver: Services and EndpointSlices
 * arrive through list+watch (the informer path main.ts takes with --kubeconfig), and a
 * real connection to the ClusterIP reaches the backend. The service range is a loopback
 * one and the proxy runs in user-space IPVS mode, so the test changes nothing in the
 * host's network: the relay binds 127.96.0.x and the backend listens on the host's own
 * address. Skipped, with the reason, when the upstream binaries are not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../../../src/clients/kube/kube-client.ts';
import { connectionFromKubeconfig } from '../../../src/clients/kube/connection.ts';
import { startUpstreamControlPlane } from '../../../src/targets/upstream/upstream-control-plane.ts';
import { upstreamSkipReason } from '../../../src/targets/upstream/upstream-test-support.ts';
import { IPVS_USERSPACE_MODE } from '../shell/ipvs-kernel.ts';
import { Child } from '../testing/child-process.ts';
import { tcpExchange } from '../testing/dial.ts';
import { serveHostname } from '../testing/serve-hostname.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('kube-proxy watches Services and EndpointSlices on the upstream apiserver and forwards to the endpoints', { timeout: 300_000 }, async (t) => {
  const reason = await upstreamSkipReason();
  const hostIP = Object.values(networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address;
  if (reason !== undefined || hostIP === undefined) {
    t.skip(reason ?? 'no non-loopback IPv4 address for the backend');
    return;
  }
  const cp = await startUpstreamControlPlane({ controllerManager: false, scheduler: false, serviceClusterIpRange: '127.96.0.0/24', log: (l) => t.diagnostic(l) });
  const backend = await serveHostname('backend-a', hostIP, 0);
  let proxy: Child | undefined;
  try {
    const kube = new KubeClient(await connectionFromKubeconfig(cp.kubeconfigPath));
    const svc = await kube.create<{ apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: { clusterIP?: string; ports: unknown[] } }>({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ name: 'tcp', protocol: 'TCP', port: 80, targetPort: backend.port }] },
    });
    const clusterIP = svc.spec.clusterIP!;
    assert.match(clusterIP, /^127\.96\.0\./);
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [hostIP], conditions: { ready: true } }],
      ports: [{ name: 'tcp', protocol: 'TCP', port: backend.port }],
    };
    await kube.create(slice);

    proxy = new Child(process.execPath, ['--import', 'tsx', MAIN, '--kubeconfig', cp.kubeconfigPath, '--proxy-mode', 'ipvs', '--hostname-override', 'n1', '--metrics-bind-address', '127.0.0.1:0', '--healthz-bind-address', '127.0.0.1:0']);
    const healthzUrl = /(http:\/\/\S+)\/healthz/.exec(await proxy.waitFor(/healthz on http:/, 60_000))![1]!;
    const url = /(http:\/\/\S+)/.exec(await proxy.waitFor(/\/proxyMode on http:/, 60_000))![1]!;
    assert.equal(await (await fetch(`${url}/proxyMode`)).text(), IPVS_USERSPACE_MODE);
    await until('a connection through the ClusterIP', async () => {
      const r = await tcpExchange(clusterIP, 80);
      return r.ok && r.reply === 'backend-a' ? true : undefined;
    });
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${healthzUrl}/healthz`)).status, 200);

    // The endpoint goes away through the watch: the relay now rejects.
    await kube.delete({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: 'default', name: 'web-1' });
    await until('connections to be rejected', async () => ((await tcpExchange(clusterIP, 80)).ok ? undefined : true));
    // Deleting the Service closes its listener: nothing answers on the address any more.
    await kube.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'web' });
    await until('the listener to close', async () => ((await tcpExchange(clusterIP, 80)).error === 'ECONNREFUSED' ? true : undefined));
  } finally {
    await proxy?.stop();
    await backend.close();
    await cp.stop();
  }
});
