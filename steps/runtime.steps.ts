/** Runtime and pod-network scenarios at the CRI level: every step goes through the Cri port. */
import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import { CriPods } from '../src/clients/cri/cri-pods.ts';
import type { RunningPod } from '../src/clients/cri/cri-pods.ts';
import type { Cri } from '../src/ports/cri.ts';
import { eventually } from '../src/world/eventually.ts';
import type { KitWorld } from '../src/world/kit-world.ts';

function pods(world: KitWorld): CriPods { return world.recall<CriPods>('cri pods'); }
function cri(world: KitWorld): Cri { return pods(world).cri; }
function pod(world: KitWorld, name: string): RunningPod { return world.recall<RunningPod>(`pod ${name}`); }
function container(world: KitWorld, name: string): string { return world.recall<string>(`container ${name}`); }

Given('a container runtime the kit talks to over CRI', async function (this: KitWorld) {
  const factory = this.factory('cri');
  const started = await factory.start();
  this.onCleanUp(() => started.stop());
  const helper = new CriPods(started.cri, factory.images);
  this.onCleanUp(() => helper.removeAll());
  this.remember('cri pods', helper);
});

Given('a pod {string} in the runtime', async function (this: KitWorld, name: string) {
  this.remember(`pod ${name}`, await pods(this).runPod(name));
});

Given('a pod {string} in the runtime with runtime handler {string}', async function (this: KitWorld, name: string, handler: string) {
  this.remember(`pod ${name}`, await pods(this).runPod(name, { handler }));
});

Given('container {string} runs {string} in pod {string}', async function (this: KitWorld, name: string, verb: string, podName: string) {
  this.remember(`container ${name}`, await pods(this).runContainer(pod(this, podName), name, verb.split(' ')));
});

Given('container {string} ignores SIGTERM in pod {string}', async function (this: KitWorld, name: string, podName: string) {
  const id = await pods(this).runContainer(pod(this, podName), name, ['-c', 'trap "" TERM; echo ignoring-sigterm; while true; do sleep 1; done'], ['/bin/sh']);
  this.remember(`container ${name}`, id);
  // Only once it says so has the shell set its trap: a SIGTERM before that would end it.
  await eventually(`${name} to ignore SIGTERM`, () => {
    const lines = pods(this).logLines(pod(this, podName), name);
    assert.ok(lines.includes('ignoring-sigterm'), `log of ${name} in ${pod(this, podName).config.logDirectory}: ${JSON.stringify(lines)}`);
  }, { timeoutMs: 60_000 });
});

When('the runtime stops container {string} with a grace period of {int} second(s)', async function (this: KitWorld, name: string, seconds: number) {
  await pods(this).waitFor(container(this, name), 'CONTAINER_RUNNING');
  await cri(this).stopContainer(container(this, name), seconds);
});

When('the runtime removes pod {string}', async function (this: KitWorld, name: string) {
  await cri(this).stopPodSandbox(pod(this, name).sandboxId);
  await cri(this).removePodSandbox(pod(this, name).sandboxId);
});

Then('the runtime reports CRI API version {string}', async function (this: KitWorld, version: string) {
  assert.equal((await cri(this).version()).runtimeApiVersion, version);
});

Then('the runtime lists the workload image and the pause image', async function (this: KitWorld) {
  const tags = (await cri(this).listImages()).flatMap((i) => i.repoTags);
  for (const image of [pods(this).images.workload, pods(this).images.pause]) {
    assert.ok(tags.some((t) => t === image || t.endsWith(`/${image}`)), `${image} is not among ${tags.join(', ')}`);
  }
});

Then('container {string} exits with code {int}', async function (this: KitWorld, name: string, code: number) {
  const status = await pods(this).waitFor(container(this, name), 'CONTAINER_EXITED');
  assert.equal(status.exitCode, code);
});

Then('container {string} exits with code {int} and reason {string}', async function (this: KitWorld, name: string, code: number, reason: string) {
  const status = await pods(this).waitFor(container(this, name), 'CONTAINER_EXITED');
  assert.deepEqual({ exitCode: status.exitCode, reason: status.reason }, { exitCode: code, reason });
});

Then('container {string} is running', async function (this: KitWorld, name: string) {
  await eventually(`container ${name} to run`, async () => assert.equal((await cri(this).containerStatus(container(this, name))).state, 'CONTAINER_RUNNING'));
});

Then('the log of container {string} in pod {string} has the line {string}', async function (this: KitWorld, name: string, podName: string, line: string) {
  await eventually(`the log of ${name} to show "${line}"`, () => assert.ok(pods(this).logLines(pod(this, podName), name).includes(line), `log: ${pods(this).logLines(pod(this, podName), name).join(' | ')}`));
});

Then('the runtime lists no pod {string}', async function (this: KitWorld, name: string) {
  const left = await cri(this).listPodSandbox({ labelSelector: { 'kck.io/pod': name } });
  assert.deepEqual(left.map((s) => s.id), []);
});

Then('the runtime lists no container {string}', async function (this: KitWorld, name: string) {
  const ids = (await cri(this).listContainers()).map((c) => c.id);
  assert.ok(!ids.includes(container(this, name)), `container ${name} is still listed`);
});

Then('pod {string} reports runtime handler {string}', async function (this: KitWorld, name: string, handler: string) {
  assert.equal((await cri(this).podSandboxStatus(pod(this, name).sandboxId)).runtimeHandler, handler);
});

Then('a pod with runtime handler {string} is refused', async function (this: KitWorld, handler: string) {
  await assert.rejects(pods(this).runPod('refused', { handler }), `a pod with runtime handler ${handler} was accepted`);
});

Then('pods {string} and {string} have distinct IP addresses', function (this: KitWorld, a: string, b: string) {
  const [ipA, ipB] = [pod(this, a).ip, pod(this, b).ip];
  assert.ok(ipA !== '' && ipB !== '', `pod IPs: "${ipA}" "${ipB}"`);
  assert.notEqual(ipA, ipB);
});

async function dial(world: KitWorld, from: string, host: string, port: number, expected: string, protocol: 'tcp' | 'udp' = 'tcp'): Promise<void> {
  await eventually(`${from} to reach ${host}:${port}/${protocol}`, async () => {
    const r = await cri(world).execSync(container(world, from), ['/kck/workload', protocol === 'udp' ? 'udp-connect' : 'connect', host, String(port)], 10);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout.trim(), expected);
  });
}

Then('container {string} reaches pod {string} on its IP at port {int} and is answered {string}', async function (this: KitWorld, from: string, target: string, port: number, expected: string) {
  await dial(this, from, pod(this, target).ip, port, expected);
});

// UDP goes through the image's static kck-udp helper: this runs it in the image root under
// whichever runtime the target is (containerd unpacks the same layer the reference runs).
Then('container {string} reaches pod {string} on its IP at UDP port {int} and is answered {string}', async function (this: KitWorld, from: string, target: string, port: number, expected: string) {
  await dial(this, from, pod(this, target).ip, port, expected, 'udp');
});

Then('container {string} reaches {word} at port {int} and is answered {string}', async function (this: KitWorld, from: string, host: string, port: number, expected: string) {
  await dial(this, from, host, port, expected);
});
