/**
 * apiserver-lb: `kck apiserver-lb --listen 127.0.0.1:0 --backends https://a:6443,https://b:6443`.
 * Logs `listening on https://IP:PORT` (TLS passes through to the apiservers) on stderr.
 */
import { pathToFileURL } from 'node:url';
import { startLoadBalancer } from './shell/load-balancer.ts';

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} apiserver-lb: ${line}\n`);
}

export async function main(argv: string[]): Promise<void> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!['listen', 'backends', 'health-interval'].includes(name)) throw new Error(`unknown flag: ${arg}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`flag needs an argument: ${arg}`);
    flags.set(name, value);
  }
  const listen = flags.get('listen') ?? '127.0.0.1:0';
  const sep = listen.lastIndexOf(':');
  const backends = (flags.get('backends') ?? '').split(',').filter((b) => b !== '');
  if (backends.length === 0) throw new Error('--backends must name at least one apiserver URL');
  const lb = await startLoadBalancer({ listenHost: listen.slice(0, sep), listenPort: Number(listen.slice(sep + 1)), backends, healthIntervalMs: Number(flags.get('health-interval') ?? '1') * 1000, log });
  log(`listening on ${lb.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  log('shutting down');
  await lb.stop();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      log(`fatal: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
