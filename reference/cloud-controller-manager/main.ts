/**
 * cloud-controller-manager (reference). Flags as upstream: --cloud-provider (the reference
 * provider is "loopback"; none or an unknown name runs no cloud controllers, so LoadBalancer
 * Services stay pending), --kubeconfig, --master, --controllers (service, cloud-node, "*"),
 * --cluster-name, --leader-elect and its lease flags.
 */
import { pathToFileURL } from 'node:url';
import { apiFromFlags, logger, runComponent, untilAborted } from '../client-machinery/shell/component.ts';
import { Flags } from '../client-machinery/shell/flags.ts';
import type { CloudProvider } from './core/cloud-provider.ts';
import { CloudControllerManager } from './shell/cloud-controller-manager.ts';
import { LoopbackCloud } from './shell/loopback-cloud.ts';

/** Registered providers by --cloud-provider name. */
const PROVIDERS: Record<string, (log: (line: string) => void) => CloudProvider> = {
  loopback: (log) => new LoopbackCloud(log),
};

export async function main(argv: string[]): Promise<void> {
  const flags = new Flags(argv);
  const log = logger('cloud-controller-manager');
  const name = flags.string('cloud-provider') ?? '';
  const factory = PROVIDERS[name];
  const api = await apiFromFlags(flags);
  if (factory === undefined) log(`no cloud provider ${JSON.stringify(name)} (known: ${Object.keys(PROVIDERS).join(', ')}): running without cloud controllers`);
  await runComponent({
    name: 'cloud-controller-manager',
    leaseName: 'cloud-controller-manager',
    flags,
    api,
    log,
    work: async (signal) => {
      if (factory === undefined) return untilAborted(signal);
      const provider = factory(log);
      const ccm = new CloudControllerManager(api, provider, { clusterName: flags.string('cluster-name') ?? 'kubernetes', controllers: (flags.string('controllers') ?? '*').split(','), log });
      await ccm.start();
      log(`cloud provider ${provider.name} running`);
      await untilAborted(signal);
      await ccm.stop();
      await provider.close();
    },
  });
  api.close?.();
  log('stopped');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`cloud-controller-manager: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
