/**
 * One L4 listener of the loopback cloud's load balancer: accepts TCP on ip:port and relays
 * each connection to the next backend (round robin), trying the others if a backend refuses.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpRelay {
  private server: Server | undefined;
  private next = 0;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly ip: string,
    readonly port: number,
    private backends: { host: string; port: number }[],
    private readonly log: (line: string) => void,
  ) {}

  setBackends(backends: { host: string; port: number }[]): void {
    this.backends = backends;
  }

  async listen(): Promise<void> {
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.ip, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  private relay(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const candidates = this.backends.length;
    const tryBackend = (attempt: number): void => {
      if (attempt >= candidates) {
        client.destroy();
        return;
      }
      const b = this.backends[this.next++ % candidates];
      if (b === undefined) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: b.host, port: b.port });
      let connected = false;
      this.sockets.add(upstream);
      upstream.once('connect', () => {
        connected = true;
        upstream.pipe(client);
        client.pipe(upstream);
        client.resume();
      });
      upstream.on('close', () => {
        this.sockets.delete(upstream);
        if (connected) client.end();
      });
      upstream.once('error', (error) => {
        if (!connected && !client.destroyed) {
          this.log(`lb ${this.ip}:${this.port}: backend ${b.host}:${b.port} failed (${error.message}), trying the next`);
          upstream.destroy();
          tryBackend(attempt + 1);
        } else client.destroy();
      });
    };
    tryBackend(0);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
