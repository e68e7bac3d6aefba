// Real kubectl binaries (newest 1.33 and oldest 1.27 on this machine) against the reference
// apiserver on a real etcd: S1.1 (drive the cluster) and S1.2 (declarative apply).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from '../../../src/targets/etcd/wait-until.ts';
import { TOKENS, call, startHarness } from './harness.ts';

const run = promisify(execFile);
const DIRS = ['/usr/lib/google-cloud-sdk/bin', '/usr/bin', '/usr/local/bin'];
function kubectlBinary(minor: number): string | undefined {
  return DIRS.map((d) => join(d, `kubectl.1.${minor}`)).find((p) => existsSync(p));
}

const MANIFEST = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: applied
  labels: {app: applied}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: applied}
  template:
    metadata:
      labels: {app: applied}
    spec:
      containers:
      - name: main
        image: busybox:1.36
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: applied-cm
data:
  a: "1"
`;

void test('kubectl 1.33 and 1.27 drive the reference apiserver', { timeout: 300_000 }, async (t) => {
  const h = await startHarness();
  t.after(() => h.stop());
  const url = h.urls[0] as string;
  await call(url, 'POST', '/api/v1/nodes', { token: TOKENS.admin, body: { metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } } });
  const kubeconfig = await h.kubeconfig();
  for (const minor of [33, 27]) {
    const bin = kubectlBinary(minor);
    if (bin === undefined) {
      t.diagnostic(`kubectl.1.${minor} not installed; skipped`);
      continue;
    }
    await t.test(`kubectl 1.${minor}`, async () => {
      const cache = await mkdtemp(join(h.dir, `kubecache-${minor}-`));
      const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: cache, HOME: cache };
      const k = async (...args: string[]): Promise<string> => {
        try {
          return (await run(bin, args, { env, timeout: 60_000 })).stdout;
        } catch (e) {
          const err = e as { stderr?: string; message: string };
          throw new Error(`kubectl ${args.join(' ')}: ${err.stderr ?? err.message}`);
        }
      };
      const ns = `k${minor}`;
      await k('create', 'namespace', ns);
      assert.match(await k('get', 'nodes'), /node-a/);
      assert.match(await k('version', '-o', 'json'), /v1\.33\.0/);
      const file = join(cache, 'app.yaml');
      await writeFile(file, MANIFEST(2));
      assert.match(await k('apply', '-n', ns, '-f', file), /deployment.apps\/applied created/);
      const again = await k('apply', '-n', ns, '-f', file);
      assert.match(again, /deployment.apps\/applied unchanged/);
      assert.match(again, /configmap\/applied-cm unchanged/);
      await writeFile(file, MANIFEST(4));
      assert.match(await k('apply', '-n', ns, '-f', file), /deployment.apps\/applied configured/);
      assert.equal(await k('get', '-n', ns, 'deploy', 'applied', '-o', 'jsonpath={.spec.replicas}'), '4');
      await k('create', 'deployment', 'web', '-n', ns, '--image=busybox:1.36', '--replicas=1');
      await k('scale', '-n', ns, 'deployment/web', '--replicas=3');
      assert.equal(await k('get', '-n', ns, 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'), '3');
      await k('label', '-n', ns, 'deployment/web', 'tier=frontend');
      assert.match(await k('get', '-n', ns, 'deploy', '-l', 'tier=frontend', '-o', 'name'), /deployment.apps\/web/);
      assert.match(await k('describe', '-n', ns, 'deployment', 'web'), /Replicas:\s+3 desired/);
      assert.match(await k('describe', 'node', 'node-a'), /Name:\s+node-a/);
      // get -w sees a change made after it started.
      const watcher = spawn(bin, ['get', 'configmaps', '-n', ns, '-w', '-o', 'name'], { env });
      let out = '';
      watcher.stdout.on('data', (c: Buffer) => (out += c.toString()));
      t.after(() => watcher.kill());
      await waitUntil('get -w lists', async () => out.includes('applied-cm'), { timeoutMs: 30_000 });
      await k('create', 'configmap', 'late', '-n', ns, '--from-literal=x=y');
      await waitUntil('get -w shows the new object', async () => out.includes('configmap/late'), { timeoutMs: 30_000 });
      watcher.kill();
      assert.match(await k('delete', '-n', ns, 'deployment', 'web'), /deleted/);
      assert.equal((await call(url, 'GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`, { token: TOKENS.admin })).status, 404);
      await k('delete', '-n', ns, '-f', file);
    });
  }
});
