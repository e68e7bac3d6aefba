/**
 * Free loopback TCP ports for members whose flags need their URLs before they start (etcd
 * must advertise its own URLs, so "listen on 0" cannot be used). The port is released before
 * the member binds it; a clash is possible but rare, and shows up as a member that never
 * becomes ready.
 */
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
