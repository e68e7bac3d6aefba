/**
 * A user-space UDP relay for one virtual server. UDP has no connections, so like IPVS and
 * conntrack it keeps a flow per client address:port: the first datagram picks a real
 * server, later ones and the replies follow the same flow until it has been idle for
 * `idleMs` (the flow then counts as closed for the balancer).
 */
import dgram from 'node:dgram';
import type { RealServer } from '../core/ipvs-table.ts';
import type { RelayContext } from './tcp-relay.ts';

interface Flow {
  upstream: dgram.Socket;
  server: RealServer;
  source: string;
  timer: NodeJS.Timeout;
}

export class UdpRelay {
  private readonly socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  private readonly flows = new Map<string, Flow>();
  accepted = 0;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly context: RelayContext,
    private readonly idleMs = 30_000,
  ) {
    this.socket.on('message', (msg, rinfo) => this.forward(msg, rinfo));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind({ address: this.address, port: this.port, exclusive: true }, () => {
        this.socket.off('error', reject);
        this.socket.on('error', (e) => this.context.onError(`udp ${this.address}:${this.port}: ${e.message}`));
        resolve();
      });
    });
  }

  private forward(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let flow = this.flows.get(key);
    if (flow === undefined) {
      const server = this.context.balancer.open(rinfo.address, this.address, this.context.now());
      if (server === undefined) return; // nothing serves it: dropped, as an empty IPVS service does
      this.accepted++;
      const upstream = dgram.createSocket('udp4');
      upstream.on('message', (reply) => {
        this.socket.send(reply, rinfo.port, rinfo.address);
        this.touch(key);
      });
      upstream.on('error', () => this.end(key));
      flow = { upstream, server, source: rinfo.address, timer: setTimeout(() => this.end(key), this.idleMs) };
      this.flows.set(key, flow);
    } else this.touch(key);
    flow.upstream.send(msg, flow.server.port, flow.server.address);
  }

  private touch(key: string): void {
    const flow = this.flows.get(key);
    if (flow !== undefined) flow.timer.refresh();
  }

  private end(key: string): void {
    const flow = this.flows.get(key);
    if (flow === undefined) return;
    this.flows.delete(key);
    clearTimeout(flow.timer);
    flow.upstream.close();
    this.context.balancer.close(flow.server, flow.source, this.context.now());
  }

  close(): Promise<void> {
    for (const key of [...this.flows.keys()]) this.end(key);
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
