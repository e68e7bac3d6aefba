/**
 * Reaches a TCP server in one network namespace from another through a Unix socket (a
 * filesystem path is visible from every network namespace). In the test process:
 * `unixToTcp(path, host, port)`; inside the other namespace, as a program:
 *   node --import tsx unix-bridge.ts --listen 127.0.0.1:6443 --unix /tmp/x.sock
 * which accepts TCP there and carries each connection over the Unix socket. Bytes pass
 * unchanged, so TLS to the far server (and its certificate for 127.0.0.1) still works.
 */
import net from 'node:net';
import { pathToFileURL } from 'node:url';

function splice(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

export async function unixToTcp(path: string, host: string, port: number): Promise<net.Server> {
  const server = net.createServer((client) => splice(client, net.connect({ host, port })));
  await new Promise<void>((resolve) => server.listen(path, () => resolve()));
  return server;
}

export async function tcpToUnix(host: string, port: number, path: string): Promise<net.Server> {
  const server = net.createServer((client) => splice(client, net.connect({ path })));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve());
  });
  return server;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (flag: string): string => process.argv[process.argv.indexOf(flag) + 1] ?? '';
  const listen = arg('--listen');
  const i = listen.lastIndexOf(':');
  const server = await tcpToUnix(listen.slice(0, i), Number(listen.slice(i + 1)), arg('--unix'));
  process.stdout.write('bridge ready\n');
  const stop = (): void => void server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
