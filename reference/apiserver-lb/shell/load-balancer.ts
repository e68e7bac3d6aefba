/**
 * An L4 (TCP) load balancer for N apiservers: TLS passes through untouched, so clients
 * authenticate to the apiservers themselves. Each new connection goes to the next healthy
 * backend (round robin); a backend that refuses the connection is marked down and the next
 * one is tried. Health is GET /readyz over HTTPS every interval.
 */
import { request } from 'node:https';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { RoundRobin } from '../core/round-robin.ts';

export interface LoadBalancerOptions {
  listenHost: string;
  listenPort: number;
  backends: string[];
  healthIntervalMs: number;
  log: (line: string) => void;
}

export interface RunningLoadBalancer {
  port: number;
  url: string;
  /** Connections handed to each backend so far (for S4.4 checks and benches). */
  connections(): number[];
  stop(): Promise<void>;
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 443) };
}

function checkReady(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startLoadBalancer(options: LoadBalancerOptions): Promise<RunningLoadBalancer> {
  const rr = new RoundRobin(options.backends);
  const counts = options.backends.map(() => 0);
  const sockets = new Set<Socket>();

  const probe = async (): Promise<void> => {
    await Promise.all(options.backends.map(async (b, i) => {
      const ok = await checkReady(b);
      if (ok !== rr.isHealthy(i)) options.log(`backend ${b} is now ${ok ? 'healthy' : 'unhealthy'}`);
      rr.report(i, ok);
    }));
  };
  await probe();
  const timer = setInterval(() => void probe(), options.healthIntervalMs);

  const forward = (client: Socket, tried: Set<number>): void => {
    const index = rr.pick(tried);
    if (index === undefined) {
      client.destroy();
      return;
    }
    tried.add(index);
    const upstream = connect(hostPort(options.backends[index] as string));
    sockets.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      counts[index] = (counts[index] ?? 0) + 1;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) {
        // Refused before any byte moved: mark it down and try the next backend.
        rr.report(index, false);
        options.log(`backend ${options.backends[index] ?? ''} refused a connection; marked unhealthy`);
        forward(client, tried);
      } else client.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.on('close', () => upstream.destroy());
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    forward(client, new Set());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort, options.listenHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `https://${options.listenHost}:${port}`,
    connections: () => [...counts],
    async stop() {
      clearInterval(timer);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
