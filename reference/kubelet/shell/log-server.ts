/**
 * The kubelet's server for container logs, which the apiserver proxies for `kubectl logs`:
 * GET /containerLogs/<namespace>/<pod>/<container>[?previous=true&tailLines=N&timestamps=true
 * &follow=true] and GET /healthz. HTTPS with --tls-cert-file/--tls-private-key-file (as the
 * apiserver expects), plain HTTP without them. It reads the CRI log files the runtime wrote
 * (<root>/pods/<ns>_<pod>_<uid>/<container>/<attempt>.log).
 * Not done: authenticating and authorizing the caller (upstream asks the apiserver by
 * webhook); anyone who can reach the port can read logs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseCriLogLine } from '../../runtime/core/cri-log.ts';
import type { PodJson } from '../core/pod-types.ts';
import { podLogDirectory } from './pod-executor.ts';

export interface LogServerOptions {
  root: string;
  host: string;
  port: number;
  tls: { certPem: string; keyPem: string } | undefined;
  findPod: (namespace: string, name: string) => PodJson | undefined;
}

function attempts(dir: string): number[] {
  try { return readdirSync(dir).map((f) => /^(\d+)\.log$/.exec(f)?.[1]).filter((x): x is string => x !== undefined).map(Number).sort((a, b) => a - b); } catch { return []; }
}

function render(text: string, timestamps: boolean): string[] {
  const out: string[] = [];
  let partial = '';
  for (const line of text.split('\n')) {
    const rec = parseCriLogLine(line);
    if (!rec) continue;
    partial += rec.content;
    if (rec.partial) continue;
    out.push(timestamps ? `${rec.timestamp} ${partial}` : partial);
    partial = '';
  }
  return out;
}

export class LogServer {
  private server: Server | undefined;

  constructor(private readonly o: LogServerOptions) {}

  async start(): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => { this.handle(req, res); };
    this.server = this.o.tls ? createHttpsServer({ cert: this.o.tls.certPem, key: this.o.tls.keyPem }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (url.pathname === '/healthz') { res.end('ok'); return; }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) { res.writeHead(404).end('not found'); return; }
    const [, namespace = '', name = '', container = ''] = m.map(decodeURIComponent);
    const pod = this.o.findPod(namespace, name);
    if (!pod) { res.writeHead(404).end(`pod ${namespace}/${name} not found on this node`); return; }
    const dir = join(podLogDirectory(this.o.root, pod), container);
    const all = attempts(dir);
    const previous = url.searchParams.get('previous') === 'true';
    const attempt = previous ? all[all.length - 2] : all[all.length - 1];
    if (attempt === undefined) { res.writeHead(400).end(`container "${container}" in pod "${name}" has no ${previous ? 'previous ' : ''}logs`); return; }
    const file = join(dir, `${attempt}.log`);
    const timestamps = url.searchParams.get('timestamps') === 'true';
    const tail = url.searchParams.get('tailLines');
    let lines = render(existsSync(file) ? readFileSync(file, 'utf8') : '', timestamps);
    if (tail !== null) lines = lines.slice(Math.max(0, lines.length - Number(tail)));
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (const line of lines) res.write(`${line}\n`);
    if (url.searchParams.get('follow') !== 'true') { res.end(); return; }
    // follow: send what is appended until the client goes away.
    let offset = statSync(file).size;
    const timer = setInterval(() => {
      let size = offset;
      try { size = statSync(file).size; } catch { /* rotated away */ }
      if (size <= offset) return;
      const chunk = readFileSync(file).subarray(offset, size).toString('utf8');
      const cut = chunk.lastIndexOf('\n') + 1;
      for (const line of render(chunk.slice(0, cut), timestamps)) res.write(`${line}\n`);
      offset += Buffer.byteLength(chunk.slice(0, cut));
    }, 250);
    req.on('close', () => clearInterval(timer));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections?.();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
