/**
 * One CRI test suite, run against every runtime (S9.1, S9.2, S11.1, S11.2, S9.3): the
 * reference runtime and containerd must both pass it unchanged, through the same client.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cri, CriRuntimeFactory, PodSandboxConfig } from '../../ports/cri.ts';
import { waitFor } from './wait-for.ts';

export function criSuite(factory: CriRuntimeFactory): void {
  void describe(`CRI v1 on ${factory.implementation}`, () => {
    let cri: Cri;
    let stop: () => Promise<void>;
    let logs: string;
    let counter = 0;

    before(async () => {
      ({ cri, stop } = await factory.start());
      logs = mkdtempSync(join(tmpdir(), 'kck-cri-logs-'));
    });
    after(async () => {
      await stop?.();
      if (logs) rmSync(logs, { recursive: true, force: true });
    });

    function sandboxConfig(extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
      counter++;
      const name = `pod-${counter}`;
      return { metadata: { name, uid: `uid-${process.pid}-${counter}`, namespace: 'kck' }, hostname: name, logDirectory: join(logs, name), labels: { suite: 'cri', pod: name }, ...extra };
    }

    async function runContainer(sandboxId: string, sc: PodSandboxConfig, name: string, args: string[], command?: string[]): Promise<string> {
      const id = await cri.createContainer(sandboxId, { metadata: { name }, image: { image: factory.images.workload }, args, ...(command ? { command } : {}), logPath: `${name}.log` }, sc);
      await cri.startContainer(id);
      return id;
    }

    async function exited(id: string): Promise<{ exitCode: number; reason: string }> {
      return waitFor(`container ${id} to exit`, async () => {
        const s = await cri.containerStatus(id);
        return s.state === 'CONTAINER_EXITED' ? s : undefined;
      }, 30_000);
    }

    async function cleanupSandbox(id: string): Promise<void> {
      await cri.stopPodSandbox(id);
      await cri.removePodSandbox(id);
    }

    void test('Version speaks runtime API v1', async () => {
      const v = await cri.version();
      assert.equal(v.runtimeApiVersion, 'v1');
      assert.ok(v.runtimeName.length > 0);
    });

    void test('the catalogue images are listed and an unknown image has no status', async () => {
      const images = await cri.listImages();
      const tags = images.flatMap((i) => i.repoTags);
      assert.ok(tags.some((t) => t.endsWith('kck/workload:1')), `images: ${tags.join(', ')}`);
      assert.ok(tags.some((t) => t.endsWith('kck/pause:1')), `images: ${tags.join(', ')}`);
      const status = await cri.imageStatus(factory.images.workload);
      assert.ok(status && status.id.startsWith('sha256:'));
      assert.equal(await cri.imageStatus('kck/no-such-image:1'), undefined);
    });

    void test('a container runs as a real process: exit code, reason and CRI log', async () => {
      const sc = sandboxConfig();
      const sb = await cri.runPodSandbox(sc);
      try {
        const status = await cri.podSandboxStatus(sb);
        assert.equal(status.state, 'SANDBOX_READY');
        const writer = await runContainer(sb, sc, 'writer', ['write', 'hello from kck', 'second line']);
        assert.deepEqual({ exitCode: (await exited(writer)).exitCode }, { exitCode: 0 });
        const failing = await runContainer(sb, sc, 'failing', ['exit', '3']);
        const outcome = await exited(failing);
        assert.equal(outcome.exitCode, 3);
        assert.equal(outcome.reason, 'Error');
        const log = await waitFor('log lines', async () => {
          const text = readFileSync(join(sc.logDirectory!, 'writer.log'), 'utf8');
          return text.includes('second line') ? text : undefined;
        });
        assert.match(log, /^\S+Z stdout F hello from kck$/m);
        const listed = await cri.listContainers({ podSandboxId: sb });
        assert.deepEqual(listed.map((c) => c.name).sort(), ['failing', 'writer']);
      } finally {
        await cleanupSandbox(sb);
      }
    });

    void test('stop sends SIGTERM, then SIGKILL after the timeout', async () => {
      const sc = sandboxConfig();
      const sb = await cri.runPodSandbox(sc);
      try {
        const polite = await runContainer(sb, sc, 'polite', ['pause']);
        const stubborn = await runContainer(sb, sc, 'stubborn', ['-c', 'trap "" TERM; echo ignoring-sigterm; while true; do sleep 1; done'], ['/bin/sh']);
        await waitFor('both running', async () => {
          const all = await Promise.all([polite, stubborn].map((id) => cri.containerStatus(id)));
          return all.every((s) => s.state === 'CONTAINER_RUNNING') ? true : undefined;
        });
        // Only once it says so has the shell set its trap: a SIGTERM before that would end it.
        await waitFor('stubborn to ignore SIGTERM', async () => (readFileSync(join(sc.logDirectory!, 'stubborn.log'), 'utf8').includes('ignoring-sigterm') ? true : undefined));
        await cri.stopContainer(polite, 20);
        assert.equal((await cri.containerStatus(polite)).exitCode, 143, 'SIGTERM ends the workload');
        await cri.stopContainer(stubborn, 1);
        assert.equal((await cri.containerStatus(stubborn)).exitCode, 137, 'SIGKILL after the timeout');
        await cri.removeContainer(polite);
        await assert.rejects(cri.containerStatus(polite));
      } finally {
        await cleanupSandbox(sb);
      }
    });

    void test('containers of one Pod reach each other over localhost (S11.2)', async () => {
      const sc = sandboxConfig();
      const sb = await cri.runPodSandbox(sc);
      try {
        await runContainer(sb, sc, 'server', ['serve-hostname', '--tcp', '9376', '--http', '0']);
        const client = await runContainer(sb, sc, 'client', ['pause']);
        const reply = await waitFor('sibling to answer on localhost', async () => {
          const r = await cri.execSync(client, ['/kck/workload', 'connect', '127.0.0.1', '9376'], 10);
          return r.exitCode === 0 ? r.stdout.trim() : undefined;
        });
        assert.equal(reply, sc.hostname);
      } finally {
        await cleanupSandbox(sb);
      }
    });

    void test('each Pod has its own IP and Pods reach each other by it (S11.1)', async () => {
      const a = sandboxConfig();
      const b = sandboxConfig();
      const sa = await cri.runPodSandbox(a);
      const sb = await cri.runPodSandbox(b);
      try {
        const ipA = (await cri.podSandboxStatus(sa)).network?.ip ?? '';
        const ipB = (await cri.podSandboxStatus(sb)).network?.ip ?? '';
        assert.ok(ipA && ipB, `pod IPs: ${ipA} ${ipB}`);
        assert.notEqual(ipA, ipB);
        await runContainer(sa, a, 'server', ['serve-hostname', '--tcp', '9376', '--http', '0']);
        const client = await runContainer(sb, b, 'client', ['pause']);
        const reply = await waitFor('pod A to answer on its IP', async () => {
          const r = await cri.execSync(client, ['/kck/workload', 'connect', ipA, '9376'], 10);
          return r.exitCode === 0 ? r.stdout.trim() : undefined;
        });
        assert.equal(reply, a.hostname);
      } finally {
        await cleanupSandbox(sa);
        await cleanupSandbox(sb);
      }
    });

    void test('the runtime handler is honoured and an unknown one is refused (S9.3)', async () => {
      const sc = sandboxConfig();
      const sb = await cri.runPodSandbox(sc, 'sandboxed');
      try {
        assert.equal((await cri.podSandboxStatus(sb)).runtimeHandler, 'sandboxed');
        const c = await runContainer(sb, sc, 'app', ['pause']);
        const r = await cri.execSync(c, ['/bin/id', '-u'], 10);
        assert.equal(r.exitCode, 0);
        if (factory.implementation === 'reference') assert.equal(r.stdout.trim(), '65534', 'sandboxed handler runs as nobody');
      } finally {
        await cleanupSandbox(sb);
      }
      await assert.rejects(cri.runPodSandbox(sandboxConfig(), 'no-such-handler'));
    });

    void test('sandboxes are listed by label and gone after removal', async () => {
      const sc = sandboxConfig();
      const sb = await cri.runPodSandbox(sc);
      const found = await cri.listPodSandbox({ labelSelector: { pod: sc.metadata.name } });
      assert.deepEqual(found.map((s) => s.id), [sb]);
      await cleanupSandbox(sb);
      assert.deepEqual(await cri.listPodSandbox({ labelSelector: { pod: sc.metadata.name } }), []);
    });
  });
}
