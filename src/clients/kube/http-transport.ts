/** One HTTP(S) exchange with an API server: a whole response, or a response stream. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { agentFor, type Connection } from './connection.ts';
import type { RawResponse } from '../../ports/kube-api.ts';

/**
 * How long a whole-response exchange may go without a byte from the server. A server that
 * died without closing (a half-open connection, a peer behind a partition) would otherwise
 * hold a request, and whatever awaits it (a controller's worker, a component's shutdown),
 * forever. Streams (watches, followed logs) are idle by nature and get no such bound.
 */
export const DEFAULT_REQUEST_IDLE_TIMEOUT_MS = 60_000;

export class HttpTransport {
  private readonly agent;

  constructor(readonly connection: Connection, private readonly requestIdleTimeoutMs = DEFAULT_REQUEST_IDLE_TIMEOUT_MS) {
    this.agent = agentFor(connection);
  }

  /** Starts a request and resolves with the response head; the body is left to the caller. */
  open(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, idleTimeoutMs?: number): Promise<IncomingMessage> {
    const url = new URL(path, this.connection.server + '/');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const allHeaders: Record<string, string> = { Accept: 'application/json', ...headers };
    if (this.connection.token !== undefined) allHeaders['Authorization'] = `Bearer ${this.connection.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      allHeaders['Content-Type'] ??= 'application/json';
      allHeaders['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers: allHeaders, agent: this.agent }, resolve);
      req.on('error', reject);
      if (idleTimeoutMs !== undefined) {
        // Also bounds the body: the timer follows the socket, which the response shares.
        req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`${method} ${url.pathname}: no answer from ${this.connection.server} for ${idleTimeoutMs} ms`)));
      }
      req.end(payload);
    });
  }

  async exchange(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse> {
    const res = await this.open(method, path, body, headers, this.requestIdleTimeoutMs);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown = text;
    if ((res.headers['content-type'] ?? '').includes('json') && text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    const flatHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flatHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode ?? 0, headers: flatHeaders, body: parsed, text };
  }

  close(): void {
    this.agent.destroy();
  }
}
