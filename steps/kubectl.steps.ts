/**
 * kubectl scenarios (S1.1, S1.2): the real kubectl binary on PATH (on this machine a
 * dispatcher that picks the kubectl matching the server version), with the admin
 * kubeconfig from the Topology port, a fresh discovery cache and the scenario's namespace.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Given, Then, When } from '@cucumber/cucumber';
import type { KubeObject } from '../src/ports/kube-api.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';

const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };
type Deployment = KubeObject & { spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } };

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function kubectlEnv(world: KitWorld): Promise<{ env: NodeJS.ProcessEnv; dir: string; namespace: string }> {
  if (world.has('kubectl env')) return world.recall('kubectl env');
  await world.running();
  const namespace = await world.scenarioNamespace();
  const topology = await world.port('topology');
  const dir = await mkdtemp(join(tmpdir(), 'kck-kubectl-'));
  world.onCleanUp(() => rm(dir, { recursive: true, force: true }));
  const env = { ...process.env, KUBECONFIG: topology.kubeconfigPath(), KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
  return world.remember('kubectl env', { env, dir, namespace });
}

/** Splits a command line on spaces; no quoting needed by these scenarios. */
async function kubectl(world: KitWorld, args: string[], stdin?: string): Promise<KubectlResult> {
  const { env, namespace } = await kubectlEnv(world);
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['-n', namespace, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

function manifest(name: string, replicas: number, image = 'busybox:1.36'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: main
        image: ${image}
`;
}

async function run(world: KitWorld, args: string[]): Promise<KubectlResult> {
  const result = await kubectl(world, args);
  world.remember('kubectl result', result);
  return result;
}

function last(world: KitWorld): KubectlResult {
  return world.recall<KubectlResult>('kubectl result');
}

async function applyManifest(world: KitWorld, name: string, replicas: number, image?: string): Promise<void> {
  const { dir } = await kubectlEnv(world);
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, manifest(name, replicas, image));
  world.remember('manifest', { name, replicas, file });
  const result = await run(world, ['apply', '-f', file]);
  assert.equal(result.code, 0, `kubectl apply failed: ${result.stderr}`);
}

When('I run kubectl {string}', async function (this: KitWorld, command: string) {
  await run(this, command.split(' '));
});

Then('kubectl succeeds', function (this: KitWorld) {
  const r = last(this);
  assert.equal(r.code, 0, `kubectl failed (${r.code}): ${r.stderr}`);
});

When('I apply a manifest of a Deployment {string} with {int} replicas with kubectl', async function (this: KitWorld, name: string, replicas: number) {
  await applyManifest(this, name, replicas);
});

When('I apply the same manifest again with kubectl', async function (this: KitWorld) {
  const m = this.recall<{ file: string }>('manifest');
  await run(this, ['apply', '-f', m.file]);
});

When('I apply the manifest again with {int} replicas and the image {string}', async function (this: KitWorld, replicas: number, image: string) {
  const m = this.recall<{ name: string }>('manifest');
  await applyManifest(this, m.name, replicas, image);
});

Then('kubectl reports {string}', function (this: KitWorld, expected: string) {
  const r = last(this);
  assert.equal(r.code, 0, `kubectl failed: ${r.stderr}`);
  assert.ok(r.stdout.includes(expected), `kubectl printed: ${r.stdout}`);
});

Then('kubectl {string} prints {string}', async function (this: KitWorld, command: string, expected: string) {
  await eventually(`kubectl ${command} to print ${expected}`, async () => {
    const r = await kubectl(this, command.split(' '));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), expected);
  });
});

Then('the Deployment {string} is gone', async function (this: KitWorld, name: string) {
  await eventually(`${name} to be gone`, async () => assert.equal(await this.kube.get({ ...DEPLOY, name, namespace: this.namespace }), undefined));
});

Then('the Deployment {string} still has generation {int}', async function (this: KitWorld, name: string, generation: number) {
  const d = await this.kube.get<Deployment>({ ...DEPLOY, name, namespace: this.namespace });
  assert.equal(d?.metadata.generation, generation, 'the second apply changed the Deployment');
});

Then('the Deployment {string} wants {int} replicas of {string}', async function (this: KitWorld, name: string, replicas: number, image: string) {
  await eventually(`${name} to want ${replicas} x ${image}`, async () => {
    const d = await this.kube.get<Deployment>({ ...DEPLOY, name, namespace: this.namespace });
    assert.equal(d?.spec.replicas, replicas);
    assert.equal(d?.spec.template.spec.containers[0]?.image, image);
  });
});

Given('kubectl is watching config maps', async function (this: KitWorld) {
  const { env, namespace } = await kubectlEnv(this);
  const child: ChildProcess = spawn('kubectl', ['-n', namespace, 'get', 'configmaps', '-w', '-o', 'name'], { env });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  this.onCleanUp(() => {
    child.kill();
  });
  this.remember('watching kubectl', () => out);
  // The watch is established once kubectl has printed its initial list (or nothing, then waited).
  const list = await kubectl(this, ['get', 'configmaps', '-o', 'name']);
  await eventually('kubectl get -w to print the current config maps', () => {
    for (const line of list.stdout.split('\n').filter((l) => l !== '')) assert.ok(out.includes(line), `not yet: ${out}`);
  });
});

Then('the watching kubectl shows {string}', async function (this: KitWorld, expected: string) {
  const output = this.recall<() => string>('watching kubectl');
  await eventually(`kubectl get -w to show ${expected}`, () => assert.ok(output().includes(expected), `kubectl -w printed: ${output()}`));
});
