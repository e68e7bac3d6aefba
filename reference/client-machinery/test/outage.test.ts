/**
 * How the client machinery lives through an apiserver outage (S3.4): informers keep
 * retrying and converge once the server is back; a leader that could not renew stops its
 * work and, once the server is back, campaigns and leads again within the same process.
 * Runs against OutageApi (in memory), so it needs no cluster.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/ports/kube-api.ts';
import { eventually } from '../../../src/world/eventually.ts';
import { LEASE } from '../core/api-types.ts';
import { campaignForever } from '../shell/component.ts';
import { Informer } from '../shell/informer.ts';
import { LeaderElector } from '../shell/leader-elector.ts';
import { OutageApi } from '../testing/outage-api.ts';

const CONFIGMAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
const configMap = (name: string): KubeObject => ({ ...CONFIGMAP, metadata: { name, namespace: 'default' } });
const WAIT = { timeoutMs: 20_000 };

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; leaseTransitions?: number };
}

void test('an informer keeps retrying through an outage and sees what was created after it', async () => {
  const api = new OutageApi();
  await api.create(configMap('before'));
  const informer = new Informer<KubeObject>(api, { kind: CONFIGMAP });
  await informer.start();
  try {
    assert.ok(informer.get('default/before'));
    api.mode = 'down';
    // Many more failures than the old retry budgets: the informer must not have given up.
    await eventually('several refused retries', () => assert.ok(api.failedCalls >= 4, `${api.failedCalls} failed calls`), WAIT);
    api.mode = 'up';
    await api.create(configMap('after'));
    await eventually('the informer to see the ConfigMap made after the outage', () => assert.ok(informer.get('default/after')), WAIT);
  } finally {
    informer.stop();
    await informer.whenStopped();
  }
});

void test('an informer started while the apiserver is away syncs once it is back; stop() ends its wait', async () => {
  const api = new OutageApi();
  await api.create(configMap('there'));
  api.mode = 'down';
  const informer = new Informer<KubeObject>(api, { kind: CONFIGMAP });
  const started = informer.start();
  await eventually('refused lists', () => assert.ok(api.failedCalls >= 3), WAIT);
  assert.equal(informer.synced, false);
  api.mode = 'up';
  await started;
  assert.ok(informer.get('default/there'));
  informer.stop();
  await informer.whenStopped();

  const idle = new Informer<KubeObject>(api, { kind: CONFIGMAP });
  api.mode = 'down';
  const waiting = idle.start();
  idle.stop();
  await waiting; // resolves without the server coming back
  assert.equal(idle.synced, false);
});

void test('a leader whose renewals hang stops acting within the renew deadline', async () => {
  const api = new OutageApi();
  const logs: string[] = [];
  const elector = new LeaderElector(api, { leaseName: 'hang', leaseNamespace: 'kube-system', identity: 'a', leaseDurationMs: 2000, renewDeadlineMs: 600, retryPeriodMs: 100, log: (l) => logs.push(l) });
  let leading: AbortSignal | undefined;
  const outcome = elector.run(async (signal) => {
    leading = signal;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  });
  await eventually('leading', () => assert.ok(leading !== undefined), WAIT);
  const hungAt = performance.now();
  api.mode = 'hanging';
  assert.equal(await outcome, 'lost');
  assert.ok(performance.now() - hungAt < 3000, `stopped leading only after ${Math.round(performance.now() - hungAt)} ms`);
  assert.equal(leading?.aborted, true);
});

void test('a leader that lost its lease in an outage stops its work, then leads again once the apiserver is back', async () => {
  const api = new OutageApi();
  const shutdown = new AbortController();
  const logs: string[] = [];
  const terms: Array<{ identity: string; signal: AbortSignal; stoppedAt?: number }> = [];
  let n = 0;
  let lastIdentity = '';
  const running = campaignForever({
    shutdown: shutdown.signal,
    log: (l) => logs.push(l),
    lease: 'kube-system/outage',
    identity: () => (lastIdentity = `instance-1_${++n}`),
    elector: (identity) => new LeaderElector(api, { leaseName: 'outage', leaseNamespace: 'kube-system', identity, leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100, log: (l) => logs.push(l) }),
    betweenTermsMs: 100,
    work: async (signal) => {
      const term: { identity: string; signal: AbortSignal; stoppedAt?: number } = { identity: lastIdentity, signal };
      terms.push(term);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      term.stoppedAt = performance.now();
    },
  });
  const leaseKey = { ...LEASE, name: 'outage', namespace: 'kube-system' };
  try {
    await eventually('a first term', () => assert.equal(terms.length, 1), WAIT);
    const downAt = performance.now();
    api.mode = 'down';
    const stoppedAt = await eventually('the first term to stop while the server is down', () => {
      const at = terms[0]?.stoppedAt;
      assert.ok(at !== undefined);
      return at;
    }, WAIT);
    assert.ok(stoppedAt - downAt < 3000, 'the stale leader stopped acting within the renew deadline');
    assert.equal(terms.length, 1, 'no new term while the apiserver is away');
    const renewedBefore = api.peek<Lease>(leaseKey)?.spec?.renewTime;
    api.mode = 'up';
    await eventually('a second term after the outage', () => assert.equal(terms.length, 2), WAIT);
    const lease = await api.get<Lease>(leaseKey);
    assert.equal(lease?.spec?.holderIdentity, terms[1]?.identity, 'the new term holds the Lease');
    assert.notEqual(terms[1]?.identity, terms[0]?.identity, 'a new term is a new candidate');
    assert.notEqual(lease?.spec?.renewTime, renewedBefore);
    assert.equal(terms[1]?.signal.aborted, false);
  } finally {
    shutdown.abort();
    await running;
  }
  assert.equal(terms.at(-1)?.signal.aborted, true, 'shutdown stops the work');
  assert.equal(api.peek<Lease>(leaseKey)?.spec?.holderIdentity, '', 'shutdown releases the Lease');
});
