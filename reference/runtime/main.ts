/**
 * kck runtime: the reference container runtime, a CRI v1 server.
 *
 *   kck runtime --listen unix:///run/kck/runtime.sock --root /var/lib/kck-runtime \
 *     --node-name node-1 --pod-cidr 10.244.1.0/24 --bridge kckr1 [--network netns|loopback]
 *
 * --network defaults to netns when running as root, loopback otherwise (see pod-network.ts).
 * Exits cleanly on SIGTERM/SIGINT, killing its containers and deleting their namespaces.
 */
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startCriServer } from './shell/cri-server.ts';
import { ImageStore } from './shell/image-store.ts';
import { PodNetwork } from './shell/pod-network.ts';
import { ReferenceRuntime } from './shell/reference-runtime.ts';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string', default: 'unix:///run/kck/runtime.sock' },
      root: { type: 'string', default: '/var/lib/kck-runtime' },
      'node-name': { type: 'string', default: 'node' },
      'pod-cidr': { type: 'string', default: '10.244.0.0/24' },
      bridge: { type: 'string', default: 'kckr0' },
      network: { type: 'string' },
    },
    strict: true,
  });
  const socket = values.listen.replace(/^unix:\/\//, '');
  const privileged = process.getuid?.() === 0;
  const mode = (values.network ?? (privileged ? 'netns' : 'loopback')) as 'netns' | 'loopback';
  if (mode !== 'netns' && mode !== 'loopback') throw new Error(`--network must be netns or loopback, got ${String(values.network)}`);
  if (mode === 'netns' && !privileged) throw new Error('--network netns needs root');
  const log = (line: string): void => { process.stderr.write(`runtime[${values['node-name']}] ${line}\n`); };
  mkdirSync(values.root, { recursive: true });
  const network = new PodNetwork({ podCidr: values['pod-cidr'], bridge: values.bridge, mode, root: values.root });
  await network.init();
  const runtime = new ReferenceRuntime({ images: new ImageStore(values.root, privileged), network, privileged, log });
  const server = await startCriServer(runtime, socket);
  log(`serving CRI v1 on unix://${socket} network=${mode} pod-cidr=${values['pod-cidr']}`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      log(`${sig}: shutting down`);
      void runtime.shutdown().then(() => server.stop()).finally(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log('stopped');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`runtime: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
