/**
 * A user-space TCP relay for one virtual server: accepts on address:port, asks the
 * balancer for a real server, connects to it and copies bytes both ways. A connection with
 * no real server to go to is reset (the client sees ECONNRESET: rejected, S13.1). The
 * balancer counts the connection active until either side closes (for lc/wlc).
 */
import net from 'node:net';
import type { RealServer } from '../core/ipvs-table.ts';
import type { VirtualServerBalancer } from '../core/virtual-server-balancer.ts';

export interface RelayContext {
  balancer: VirtualServerBalancer;
  now: () => number;
  onError: (message: string) => void;
}

export function clientAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

/** How many real servers one client connection may try before it is reset. */
const MAX_DIAL_ATTEMPTS = 3;

export class TcpRelay {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  accepted = 0;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly context: RelayContext,
  ) {
    this.server = net.createServer({ allowHalfOpen: true }, (client) => this.accept(client));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.address, port: this.port, exclusive: true }, () => {
        this.server.off('error', reject);
        this.server.on('error', (e) => this.context.onError(`tcp ${this.address}:${this.port}: ${e.message}`));
        resolve();
      });
    });
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    this.sockets.add(client);
    client.pause();
    client.on('error', () => undefined);
    client.on('close', () => this.sockets.delete(client));
    this.dial(client, clientAddress(client.remoteAddress), 0);
  }

  /**
   * Connects to a real server; if that one refuses before the connection is up (a Pod gone
   * but still listed during a rollout), tries the next pick, as upstream's userspace
   * proxier retried endpoints. Once connected, bytes flow both ways until either side closes.
   */
  private dial(client: net.Socket, source: string, attempt: number): void {
    const chosen = this.context.balancer.open(source, this.address, this.context.now());
    if (chosen === undefined || client.destroyed) {
      if (chosen !== undefined) this.context.balancer.close(chosen, source, this.context.now());
      if (!client.destroyed) client.resetAndDestroy();
      return;
    }
    const backend = net.connect({ host: chosen.address, port: chosen.port, allowHalfOpen: true });
    this.sockets.add(backend);
    let connected = false;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.context.balancer.close(chosen satisfies RealServer, source, this.context.now());
    };
    backend.on('error', () => {
      if (!connected && attempt + 1 < Math.min(MAX_DIAL_ATTEMPTS, this.context.balancer.realServers.length)) return; // retried on close
      // A backend that refuses or resets: the client sees a reset too, as with a kernel DNAT.
      if (!client.destroyed) client.resetAndDestroy();
    });
    backend.on('connect', () => {
      connected = true;
      if (client.destroyed) {
        backend.destroy();
        return;
      }
      client.pipe(backend);
      backend.pipe(client);
      client.resume();
      client.on('close', () => {
        if (!backend.destroyed) backend.end();
        release();
      });
      client.on('error', () => {
        if (!backend.destroyed) backend.destroy();
      });
    });
    backend.on('close', () => {
      this.sockets.delete(backend);
      release();
      if (!connected && !client.destroyed && attempt + 1 < Math.min(MAX_DIAL_ATTEMPTS, this.context.balancer.realServers.length)) {
        this.dial(client, source, attempt + 1);
        return;
      }
      if (!client.destroyed) client.end();
    });
  }

  /** Stops accepting and drops every relayed connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
