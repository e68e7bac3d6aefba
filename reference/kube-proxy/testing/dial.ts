/**
 * Client side of the data-plane tests: real TCP and UDP exchanges with a serve-hostname
 * backend through a proxy, reporting the backend name or the socket error code. Used
 * in-process and by the namespace client agent (netns-agent.ts).
 */
import dgram from 'node:dgram';
import net from 'node:net';

export interface DialResult {
  ok: boolean;
  reply?: string;
  error?: string;
}

export interface DialOptions {
  timeoutMs?: number;
  sourceAddress?: string;
}

/** Connects, reads the first line, and either closes or hands back the open socket. */
export function tcpExchange(host: string, port: number, options: DialOptions = {}, keep = false): Promise<DialResult & { socket?: net.Socket }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, ...(options.sourceAddress !== undefined ? { localAddress: options.sourceAddress } : {}) });
    let data = '';
    let settled = false;
    const done = (result: DialResult & { socket?: net.Socket }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!keep || !result.ok) socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, error: 'ETIMEDOUT' }), options.timeoutMs ?? 5000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const nl = data.indexOf('\n');
      if (nl >= 0) done(keep ? { ok: true, reply: data.slice(0, nl), socket } : { ok: true, reply: data.slice(0, nl) });
    });
    socket.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message }));
    socket.on('close', () => done({ ok: false, error: 'ECONNRESET' }));
  });
}

export function udpExchange(host: string, port: number, options: DialOptions = {}): Promise<DialResult> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    let settled = false;
    const done = (result: DialResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, error: 'ETIMEDOUT' }), options.timeoutMs ?? 3000);
    socket.on('message', (msg) => done({ ok: true, reply: msg.toString('utf8').trim() }));
    socket.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message }));
    socket.bind({ port: 0, ...(options.sourceAddress !== undefined ? { address: options.sourceAddress } : {}) }, () => socket.send('hello\n', port, host));
  });
}

/** `count` sequential exchanges, counted by reply (errors as "error:<code>"). */
export async function spray(host: string, port: number, count: number, options: DialOptions & { protocol?: 'tcp' | 'udp' } = {}): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const r = options.protocol === 'udp' ? await udpExchange(host, port, options) : await tcpExchange(host, port, options);
    const key = r.ok ? r.reply! : `error:${r.error}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
