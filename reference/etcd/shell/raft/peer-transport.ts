import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { decodeMessage, encodeMessage } from '../../core/raft/codec.ts';
import type { Message } from '../../core/raft/types.ts';

/**
 * Raft peer transport over plain TCP: one persistent outbound connection per peer carrying
 * frames `[u32 length][message]` (core/raft/codec.ts). Peers are addressed by URL
 * (http://host:port, only host and port are used). A message for a peer that is not
 * connected is dropped and reported as unreachable: Raft retransmits on its own, and
 * dropping keeps a dead peer from piling up memory. Reconnects back off exponentially.
 */
export interface PeerTransportOptions {
  listenUrl: string;
  onMessage(m: Message): void;
  onUnreachable(peer: bigint): void;
  /** Outcome of sending a snapshot message (written to the socket, or lost). */
  onSnapshotStatus(peer: bigint, ok: boolean): void;
  /** A message certainly not delivered (no connection): e.g. a forwarded proposal to retry. */
  onUndeliverable?(m: Message): void;
  log?(line: string): void;
}

const MAX_FRAME = 512 * 1024 * 1024;
const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;

class PeerConnection {
  socket: Socket | undefined;
  connected = false;
  backoffMs = MIN_BACKOFF_MS;
  nextAttempt = 0;
  timer: NodeJS.Timeout | undefined;
  constructor(public url: string) {}
}

export class PeerTransport {
  private readonly peers = new Map<bigint, PeerConnection>();
  private readonly inbound = new Set<Socket>();
  private stopped = false;

  private constructor(private readonly server: Server, readonly url: string, private readonly opts: PeerTransportOptions) {}

  static async listen(opts: PeerTransportOptions): Promise<PeerTransport> {
    const u = new URL(opts.listenUrl);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(u.port || 2380), u.hostname, () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : Number(u.port);
    const t = new PeerTransport(server, `${u.protocol}//${u.hostname}:${port}`, opts);
    server.on('connection', (s) => t.accept(s));
    server.on('error', (err) => opts.log?.(`raft transport: peer listener error: ${err.message}`));
    return t;
  }

  /** Make the set of peers (other than self) exactly `peers`. */
  setPeers(peers: Map<bigint, string>): void {
    for (const [id, conn] of this.peers) {
      if (peers.get(id) !== conn.url) {
        this.drop(conn);
        this.peers.delete(id);
      }
    }
    for (const [id, url] of peers) {
      if (!this.peers.has(id)) {
        const conn = new PeerConnection(url);
        this.peers.set(id, conn);
        this.connect(id, conn);
      }
    }
  }

  send(messages: Message[]): void {
    const corked = new Set<Socket>();
    const unreachable = new Set<bigint>();
    for (const m of messages) {
      const conn = this.peers.get(m.to);
      if (conn?.socket === undefined || !conn.connected) {
        if (conn !== undefined) this.connect(m.to, conn);
        if (m.type === 'snap') this.opts.onSnapshotStatus(m.to, false);
        this.opts.onUndeliverable?.(m);
        unreachable.add(m.to);
        continue;
      }
      const socket = conn.socket;
      if (!corked.has(socket)) {
        socket.cork();
        corked.add(socket);
      }
      const body = encodeMessage(m);
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32LE(body.length, 0);
      socket.write(head);
      if (m.type === 'snap') {
        const to = m.to;
        socket.write(body, (err) => this.opts.onSnapshotStatus(to, err == null));
      } else {
        socket.write(body);
      }
    }
    // Uncork once per batch: one syscall for all messages to a peer in this Ready.
    for (const s of corked) s.uncork();
    for (const id of unreachable) this.opts.onUnreachable(id);
  }

  private connect(id: bigint, conn: PeerConnection): void {
    if (this.stopped || conn.socket !== undefined || conn.timer !== undefined) return;
    const wait = Math.max(0, conn.nextAttempt - Date.now());
    conn.timer = setTimeout(() => {
      conn.timer = undefined;
      if (this.stopped || this.peers.get(id) !== conn) return;
      const u = new URL(conn.url);
      const socket = createConnection({ host: u.hostname, port: Number(u.port) });
      socket.setNoDelay(true);
      conn.socket = socket;
      socket.on('connect', () => {
        conn.connected = true;
        conn.backoffMs = MIN_BACKOFF_MS;
        this.opts.log?.(`raft transport: connected to peer ${id.toString(16)} at ${conn.url}`);
      });
      socket.on('data', () => { /* peers never answer on our outbound connection */ });
      socket.on('error', () => { /* 'close' follows */ });
      socket.on('close', () => {
        if (conn.connected) this.opts.log?.(`raft transport: lost peer ${id.toString(16)}`);
        conn.socket = undefined;
        conn.connected = false;
        conn.nextAttempt = Date.now() + conn.backoffMs;
        conn.backoffMs = Math.min(conn.backoffMs * 2, MAX_BACKOFF_MS);
        if (this.peers.get(id) === conn) this.connect(id, conn);
      });
    }, wait);
  }

  private drop(conn: PeerConnection): void {
    if (conn.timer !== undefined) clearTimeout(conn.timer);
    conn.timer = undefined;
    conn.socket?.destroy();
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.inbound.add(socket);
    // Chunks are kept as a list and joined only once a whole frame is there: joining on
    // every chunk would copy a large snapshot frame over and over.
    let chunks: Buffer[] = [];
    let buffered = 0;
    let need = 4;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered < need) return;
      let buf = chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(chunks, buffered);
      let pos = 0;
      for (;;) {
        if (buf.length - pos < 4) {
          need = 4;
          break;
        }
        const len = buf.readUInt32LE(pos);
        if (len > MAX_FRAME) {
          socket.destroy();
          return;
        }
        if (buf.length - pos - 4 < len) {
          need = 4 + len;
          break;
        }
        const body = buf.subarray(pos + 4, pos + 4 + len);
        pos += 4 + len;
        let m: Message;
        try {
          m = decodeMessage(body);
        } catch {
          socket.destroy();
          return;
        }
        this.opts.onMessage(m);
      }
      buf = buf.subarray(pos);
      chunks = buf.length > 0 ? [buf] : [];
      buffered = buf.length;
    });
    socket.on('error', () => { /* close follows */ });
    socket.on('close', () => this.inbound.delete(socket));
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const conn of this.peers.values()) this.drop(conn);
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
