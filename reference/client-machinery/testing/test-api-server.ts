/**
 * An apiserver for integration tests of the reference control-plane components: the real
 * upstream kube-apiserver on Debian's etcd (no upstream scheduler or controller-manager, so
 * only the component under test acts), from the kit's upstream cache. Later the reference
 * apiserver can stand in here without changing tests. Returns undefined, with the reason,
 * when it cannot run here, so tests skip instead of failing.
 */
import type { KubeApi } from '../../../src/ports/kube-api.ts';
import { connectionFromKubeconfig } from '../../../src/clients/kube/connection.ts';
import { KubeClient } from '../../../src/clients/kube/kube-client.ts';
import { findEtcd, missingUpstreamBinaries } from '../../../src/targets/upstream/upstream-binaries.ts';
import { startUpstreamControlPlane } from '../../../src/targets/upstream/upstream-control-plane.ts';

export interface TestApiServer {
  api: KubeApi;
  kubeconfigPath: string;
  /** A client for a component; each has its own connection pool. */
  client(): Promise<KubeClient>;
  stop(): Promise<void>;
}

export async function whyNoTestApiServer(): Promise<string | undefined> {
  if (process.env['KCK_SKIP_UPSTREAM'] === '1') return 'KCK_SKIP_UPSTREAM=1';
  const missing = await missingUpstreamBinaries(undefined, ['kube-apiserver']);
  if (missing.length > 0) return `upstream kube-apiserver not built: npm run upstream:build`;
  try {
    await findEtcd();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

export async function startTestApiServer(log: (line: string) => void): Promise<TestApiServer> {
  const cp = await startUpstreamControlPlane({ controllerManager: false, scheduler: false, log });
  const clients: KubeClient[] = [];
  const client = async (): Promise<KubeClient> => {
    const c = new KubeClient(await connectionFromKubeconfig(cp.kubeconfigPath));
    clients.push(c);
    return c;
  };
  try {
    const api = await client();
    // Without kube-controller-manager nobody creates the "default" ServiceAccount, and the
    // ServiceAccount admission plugin refuses Pods until it exists.
    await eventually('default ServiceAccount', async () => {
      const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } };
      if ((await api.get({ ...sa, name: 'default', namespace: 'default' })) === undefined) await api.create(sa);
      return true;
    });
    return {
      api,
      kubeconfigPath: cp.kubeconfigPath,
      client,
      async stop() {
        for (const c of clients) c.close();
        await cp.stop();
      },
    };
  } catch (error) {
    await cp.stop();
    throw error;
  }
}

/** Polls `probe` until it returns a value, with a generous deadline (2-core CI machines). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
