/**
 * The user-space data planes over loopback: real TCP/UDP through RelayDataPlane to
 * serve-hostname backends. Service addresses are 127.x addresses (local without root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { buildServicePortTable } from '../core/service-port-table.ts';
import type { IpvsScheduler } from '../core/ipvs-table.ts';
import { RelayDataPlane } from '../shell/relay-data-plane.ts';
import { serveHostname, type HostnameServer } from '../testing/serve-hostname.ts';
import { spray, tcpExchange, udpExchange } from '../testing/dial.ts';
import { service, slice } from './fixtures.ts';

async function freePort(host: string): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen({ host, port: 0 }, () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Setup {
  plane: RelayDataPlane;
  vip: string;
  port: number;
  backends: HostnameServer[];
  resync(ready: boolean[], extra?: Partial<NonNullable<Parameters<typeof service>[3]>>): Promise<void>;
  close(): Promise<void>;
}

let nextVip = 10 + Math.floor((process.pid % 200));

/** A Service (TCP and UDP port) on a fresh 127.0.96.x VIP over n backends. */
async function setup(n: number, scheduler: IpvsScheduler, spec: Partial<NonNullable<Parameters<typeof service>[3]>> = {}): Promise<Setup> {
  const vip = `127.0.96.${nextVip++}`;
  const port = await freePort(vip);
  // Every backend listens on its own loopback address with one shared port, as Pods do.
  const backendPort = await freePort('127.0.0.1');
  const backends: HostnameServer[] = [];
  for (let i = 0; i < n; i++) backends.push(await serveHostname(`be${i}`, `127.0.${97 + (nextVip % 50)}.${i + 1}`, backendPort));
  const addr = (i: number): string => `127.0.${97 + (nextVip % 50)}.${i + 1}`;
  const plane = new RelayDataPlane({ mode: 'test', nodeName: 'n1', nodePortAddresses: ['127.0.0.1'], scheduler, vips: undefined, log: () => undefined, now: () => Date.now(), udpIdleMs: 200 });
  const resync = async (ready: boolean[], extra: Partial<NonNullable<Parameters<typeof service>[3]>> = {}): Promise<void> => {
    const svc = service('web', vip, [{ port, protocol: 'TCP', name: 'tcp' }, { port, protocol: 'UDP', name: 'udp' }], { ...spec, ...extra });
    const eps = slice('web', [{ name: 'tcp', port: backendPort }, { name: 'udp', port: backendPort, protocol: 'UDP' }], ready.map((r, i) => ({ ip: addr(i), ready: r })));
    await plane.sync(buildServicePortTable([svc], [eps]));
  };
  await resync(Array.from({ length: n }, () => true));
  return {
    plane,
    vip,
    port,
    backends,
    resync,
    close: async () => {
      await plane.stop();
      await Promise.all(backends.map((b) => b.close()));
    },
  };
}

test('userspace relay: TCP and UDP reach every backend; round-robin is exactly even', async () => {
  const s = await setup(3, 'rr');
  try {
    const tcp = await spray(s.vip, s.port, 30);
    assert.deepEqual([...tcp.entries()].sort(), [['be0', 10], ['be1', 10], ['be2', 10]]);
    const udp = await spray(s.vip, s.port, 6, { protocol: 'udp' });
    assert.deepEqual([...udp.entries()].sort(), [['be0', 2], ['be1', 2], ['be2', 2]]);
  } finally {
    await s.close();
  }
});

test('no ready endpoint: the connection is reset; endpoints coming back restore service', async () => {
  const s = await setup(2, 'rr');
  try {
    await s.resync([false, false]);
    const r = await tcpExchange(s.vip, s.port);
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /ECONNRESET|ECONNREFUSED/);
    assert.equal((await udpExchange(s.vip, s.port, { timeoutMs: 300 })).ok, false);
    await s.resync([false, true]);
    assert.deepEqual([...(await spray(s.vip, s.port, 4)).entries()], [['be1', 4]]);
  } finally {
    await s.close();
  }
});

test('ipvs lc: a new connection goes to the backend with the fewest held connections', async () => {
  const s = await setup(3, 'lc');
  const held: net.Socket[] = [];
  try {
    // lc spreads six held connections 2/2/2; closing be2's two leaves it the least loaded.
    const opened = [];
    for (let i = 0; i < 6; i++) opened.push(await tcpExchange(s.vip, s.port, {}, true));
    for (const o of opened) if (o.reply !== 'be2') held.push(o.socket!);
    else o.socket!.destroy();
    // be0 and be1 hold 2 each, be2 none (once the relay notices the closes).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const active = [...(s.plane.activeConnections('tcp', s.vip, s.port)?.values() ?? [])];
      if (active.reduce((a, b) => a + b, 0) === 4 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const next = await tcpExchange(s.vip, s.port, {}, true);
    held.push(next.socket!);
    assert.equal(next.reply, 'be2', `active before: ${JSON.stringify([...(s.plane.activeConnections('tcp', s.vip, s.port) ?? [])])}`);
  } finally {
    for (const h of held) h.destroy();
    await s.close();
  }
});

test('ipvs sh: each source address sticks to one backend', async () => {
  const s = await setup(3, 'sh');
  try {
    const seen = new Set<string>();
    for (let c = 1; c <= 8; c++) {
      const counts = await spray(s.vip, s.port, 5, { sourceAddress: `127.0.5.${c}` });
      assert.equal(counts.size, 1, `client 127.0.5.${c} went to ${[...counts.keys()].join(',')}`);
      seen.add([...counts.keys()][0]!);
    }
    assert.ok(seen.size >= 2, 'eight client addresses all hashed to one backend');
  } finally {
    await s.close();
  }
});

test('userspace ClientIP affinity pins a client; another client still gets round-robin', async () => {
  const s = await setup(3, 'rr', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
  try {
    const a = await spray(s.vip, s.port, 6, { sourceAddress: '127.0.6.1' });
    assert.equal(a.size, 1);
    const b = await spray(s.vip, s.port, 3, { sourceAddress: '127.0.6.2' });
    assert.equal(b.size, 1);
  } finally {
    await s.close();
  }
});

test('a listed endpoint that refuses is skipped: the relay tries the next one, so clients see no failure', async () => {
  const s = await setup(2, 'rr');
  try {
    await s.backends[0]!.close(); // be0 is gone but still listed, as during a rollout
    const counts = await spray(s.vip, s.port, 10);
    assert.deepEqual([...counts.entries()], [['be1', 10]]);
  } finally {
    await s.close().catch(() => undefined);
  }
});
