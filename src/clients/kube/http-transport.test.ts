import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from './http-transport.ts';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('an exchange with a server that never answers fails after the idle timeout, naming the request', { timeout: 15_000 }, async () => {
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => void held.push(res));
  const transport = new HttpTransport({ server: await listen(server) }, 300);
  try {
    const started = Date.now();
    await assert.rejects(transport.exchange('GET', '/api/v1/namespaces'), /GET \/api\/v1\/namespaces: no answer from http:\/\/127\.0\.0\.1:\d+ for 300 ms/);
    assert.ok(Date.now() - started < 10_000, 'the timeout, not some later one, ended the request');
  } finally {
    transport.close();
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a slow but steady answer, and a pooled connection idle past the timeout, are not cut', { timeout: 15_000 }, async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // Three parts 200 ms apart: 600 ms in all, each gap under the 400 ms idle timeout.
    let part = 0;
    const timer = setInterval(() => {
      part += 1;
      if (part < 3) res.write(' ');
      else {
        clearInterval(timer);
        res.end('{"kind":"Status"}');
      }
    }, 200);
  });
  const transport = new HttpTransport({ server: await listen(server) }, 400);
  try {
    const first = await transport.exchange('GET', '/version');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { kind: 'Status' });
    // The kept-alive socket waits in the pool for longer than the idle timeout.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const second = await transport.exchange('GET', '/version');
    assert.equal(second.status, 200);
  } finally {
    transport.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
