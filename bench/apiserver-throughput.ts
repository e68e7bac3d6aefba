/**
 * Benchmark: requests/s for create, get and list, and watch event latency with 100
 * watchers, for 1 and 3 reference apiserver instances (3 behind the L4 balancer), on a real
 * etcd 3.4. Prints one table; ratios compare 3 instances with 1.
 *   node --import tsx bench/apiserver-throughput.ts [--ops 300] [--concurrency 8] [--watchers 100]
 */
import { performance } from 'node:perf_hooks';
import { startLoadBalancer } from '../reference/apiserver-lb/shell/load-balancer.ts';
import { TOKENS, call, startHarness } from '../reference/apiserver/test/harness.ts';
import { openWatch, type RawWatch } from '../reference/apiserver/test/watch-client.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const OPS = flag('ops', 300);
const CONCURRENCY = flag('concurrency', 8);
const WATCHERS = flag('watchers', 100);

async function rate(ops: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < ops) await fn(next++);
  }));
  return ops / ((performance.now() - start) / 1000);
}

interface Result {
  create: number;
  get: number;
  list: number;
  watchP50: number;
  watchP99: number;
}

async function measure(instances: number): Promise<Result> {
  const h = await startHarness({ apiservers: instances });
  const lb = instances > 1 ? await startLoadBalancer({ listenHost: '127.0.0.1', listenPort: 0, backends: h.urls, healthIntervalMs: 1000, log: () => {} }) : undefined;
  const url = lb?.url ?? (h.urls[0] as string);
  const watches: RawWatch[] = [];
  try {
    const ok = (s: number, what: string): void => {
      if (s >= 300) throw new Error(`${what} answered ${s}`);
    };
    const create = await rate(OPS, async (i) => ok((await call(url, 'POST', '/api/v1/namespaces/default/configmaps', { token: TOKENS.admin, body: { metadata: { name: `b-${i}` }, data: { v: String(i) } }, freshConnection: instances > 1 })).status, 'create'));
    const get = await rate(OPS, async (i) => ok((await call(url, 'GET', `/api/v1/namespaces/default/configmaps/b-${i % OPS}`, { token: TOKENS.admin, freshConnection: instances > 1 })).status, 'get'));
    const list = await rate(Math.max(10, OPS / 10), async () => ok((await call(url, 'GET', '/api/v1/namespaces/default/configmaps?limit=100', { token: TOKENS.admin, freshConnection: instances > 1 })).status, 'list'));
    // Watchers spread over the instances directly; writes go through the entry point.
    const rv = ((await call(url, 'GET', '/api/v1/namespaces/default/configmaps?limit=1', { token: TOKENS.admin })).body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    for (let i = 0; i < WATCHERS; i++) watches.push(await openWatch(h.urls[i % h.urls.length] as string, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dwatched`, TOKENS.admin));
    const latencies: number[] = [];
    for (let round = 0; round < 10; round++) {
      const t0 = performance.now();
      const seen = new Set<number>();
      const body = round === 0 ? { metadata: { name: 'watched' }, data: { r: '0' } } : { data: { r: String(round) } };
      if (round === 0) await call(url, 'POST', '/api/v1/namespaces/default/configmaps', { token: TOKENS.admin, body });
      else await call(url, 'PATCH', '/api/v1/namespaces/default/configmaps/watched', { token: TOKENS.admin, body, contentType: 'application/merge-patch+json' });
      const deadline = t0 + 20_000;
      while (seen.size < WATCHERS && performance.now() < deadline) {
        watches.forEach((w, i) => {
          if (!seen.has(i) && w.events.length > round) {
            seen.add(i);
            latencies.push(performance.now() - t0);
          }
        });
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? NaN;
    return { create, get, list, watchP50: pct(50), watchP99: pct(99) };
  } finally {
    for (const w of watches) w.stop();
    await lb?.stop();
    await h.stop();
  }
}

const one = await measure(1);
const three = await measure(3);
const row = (name: string, a: number, b: number, unit: string): string => `${name.padEnd(26)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(10)} ${(b / a).toFixed(2).padStart(8)}  ${unit}`;
console.log(`reference kube-apiserver on etcd 3.4 (ops=${OPS}, concurrency=${CONCURRENCY}, watchers=${WATCHERS})`);
console.log(`${'metric'.padEnd(26)} ${'1 inst'.padStart(10)} ${'3 inst+LB'.padStart(10)} ${'ratio'.padStart(8)}`);
console.log(row('create', one.create, three.create, 'req/s'));
console.log(row('get', one.get, three.get, 'req/s'));
console.log(row('list (limit=100)', one.list, three.list, 'req/s'));
console.log(row('watch latency p50', one.watchP50, three.watchP50, 'ms'));
console.log(row('watch latency p99', one.watchP99, three.watchP99, 'ms'));
