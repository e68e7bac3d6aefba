/**
 * A serve-hostname backend: answers every TCP connection and every UDP datagram with its
 * name and a newline. TCP connections stay open until the client closes them, so a client
 * can hold connections (for least-connection checks). Runs in-process (tests) or as a
 * program inside a network namespace:
 *   node --import tsx serve-hostname.ts --name be1 --host 0.0.0.0 --port 8080
 * The program prints "ready" on stdout once both sockets listen.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

export interface HostnameServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function serveHostname(name: string, host = '127.0.0.1', port = 0): Promise<HostnameServer> {
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('end', () => socket.end());
    socket.write(`${name}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ host, port }, () => resolve());
  });
  const actual = (tcp.address() as net.AddressInfo).port;
  const udp = dgram.createSocket('udp4');
  udp.on('message', (_msg, rinfo) => udp.send(`${name}\n`, rinfo.port, rinfo.address));
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind({ address: host, port: actual }, () => resolve());
  });
  return {
    port: actual,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => tcp.close(() => r())), new Promise<void>((r) => udp.close(() => r()))]);
    },
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (flag: string, fallback: string): string => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
  };
  const server = await serveHostname(arg('--name', 'backend'), arg('--host', '0.0.0.0'), Number(arg('--port', '8080')));
  process.stdout.write('ready\n');
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
