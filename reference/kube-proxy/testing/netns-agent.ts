/**
 * Runs inside a network namespace (`ip netns exec NS node --import tsx netns-agent.ts`) and
 * dials on the test's behalf: one JSON command per stdin line, one JSON answer per stdout
 * line with the same id. Ops: tcp, udp, spray, hold, release, http, time (latencies of
 * `count` sequential TCP exchanges, in ms, for benchmarks).
 */
import http from 'node:http';
import type net from 'node:net';
import { createInterface } from 'node:readline';
import { spray, tcpExchange, udpExchange } from './dial.ts';

interface Command {
  id: number;
  op: 'tcp' | 'udp' | 'spray' | 'hold' | 'release' | 'http' | 'time';
  host?: string;
  port?: number;
  count?: number;
  protocol?: 'tcp' | 'udp';
  sourceAddress?: string;
  timeoutMs?: number;
  hold?: number;
  url?: string;
}

const held = new Map<number, net.Socket>();
let nextHold = 1;

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', (e) => resolve({ status: 0, body: e.message }));
  });
}

async function handle(c: Command): Promise<unknown> {
  const options = { ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {}), ...(c.sourceAddress !== undefined ? { sourceAddress: c.sourceAddress } : {}) };
  switch (c.op) {
    case 'tcp':
      return tcpExchange(c.host!, c.port!, options);
    case 'udp':
      return udpExchange(c.host!, c.port!, options);
    case 'spray':
      return Object.fromEntries(await spray(c.host!, c.port!, c.count ?? 1, { ...options, protocol: c.protocol ?? 'tcp' }));
    case 'hold': {
      const r = await tcpExchange(c.host!, c.port!, options, true);
      if (!r.ok || r.socket === undefined) return { ok: false, error: r.error };
      const id = nextHold++;
      held.set(id, r.socket);
      return { ok: true, reply: r.reply, hold: id };
    }
    case 'release':
      held.get(c.hold!)?.destroy();
      held.delete(c.hold!);
      return { ok: true };
    case 'http':
      return get(c.url!);
    case 'time': {
      const latencies: number[] = [];
      let failures = 0;
      for (let i = 0; i < (c.count ?? 1); i++) {
        const start = performance.now();
        const r = await tcpExchange(c.host!, c.port!, options);
        if (r.ok) latencies.push(performance.now() - start);
        else failures++;
      }
      return { latencies, failures };
    }
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  void handle(command).then(
    (result) => process.stdout.write(JSON.stringify({ id: command.id, result }) + '\n'),
    (error: unknown) => process.stdout.write(JSON.stringify({ id: command.id, error: String(error) }) + '\n'),
  );
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write('agent ready\n');
