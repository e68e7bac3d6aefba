/**
 * The proxy's HTTP endpoints on --metrics-bind-address, as upstream serves them:
 * /proxyMode (plain text, the mode in force), /healthz (200 with lastUpdated once a sync
 * succeeded recently, 503 before), /livez, and /metrics (Prometheus text).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyStatus {
  mode: string;
  lastSynced(): Date | undefined;
  metrics(): Record<string, number>;
}

export async function startMetricsServer(host: string, port: number, status: ProxyStatus): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/proxyMode') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(status.mode);
    } else if (path === '/healthz' || path === '/livez') {
      const last = status.lastSynced();
      const body = JSON.stringify({ lastUpdated: last?.toISOString() ?? '', currentTime: new Date().toISOString(), nodeEligible: true });
      res.writeHead(last === undefined ? 503 : 200, { 'content-type': 'application/json' }).end(body);
    } else if (path === '/metrics') {
      const lines = Object.entries(status.metrics()).map(([k, v]) => `${k} ${v}`);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
    } else res.writeHead(404).end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
