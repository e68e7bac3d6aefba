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
    const source = clientAddress(client.remoteAddress);
    const chosen = this.context.balancer.open(source, this.address, this.context.now());
    if (chosen === undefined) {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      this.sockets.delete(client);
      return;
    }
    const backend = net.connect({ host: chosen.address, port: chosen.port, allowHalfOpen: true });
    this.sockets.add(backend);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.context.balancer.close(chosen satisfies RealServer, source, this.context.now());
    };
    backend.on('error', () => {
      // A backend that refuses or resets: the client sees a reset too, as with a kernel DNAT.
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.on('error', () => {
      if (!backend.destroyed) backend.destroy();
    });
    client.pipe(backend);
    backend.pipe(client);
    const closed = (socket: net.Socket): void => {
      this.sockets.delete(socket);
      if (client.destroyed && backend.destroyed) release();
    };
    client.on('close', () => {
      closed(client);
      if (!backend.destroyed) backend.end();
      release();
    });
    backend.on('close', () => {
      closed(backend);
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
