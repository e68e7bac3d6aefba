/**
 * cloud-controller-manager (reference). Flags as upstream: --cloud-provider (the reference
 * provider is "loopback"; none or an unknown name runs no cloud controllers, so LoadBalancer
 * Services stay pending), --cloud-config (the provider's configuration file; the loopback
 * cloud's is JSON: {"loadBalancerAddresses": "127.a.b.0/24"}), --kubeconfig, --master,
 * --controllers (service, cloud-node, "*"), --cluster-name, --leader-elect and its lease flags.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { apiFromFlags, logger, runComponent, untilAborted } from '../client-machinery/shell/component.ts';
import { Flags } from '../client-machinery/shell/flags.ts';
import type { CloudProvider } from './core/cloud-provider.ts';
import { parseAddressBlock, type AddressBlock } from './core/balancer-addresses.ts';
import { CloudControllerManager } from './shell/cloud-controller-manager.ts';
import { LoopbackCloud } from './shell/loopback-cloud.ts';

/** Registered providers by --cloud-provider name. */
const PROVIDERS: Record<string, (log: (line: string) => void, configFile: string | undefined) => () => CloudProvider> = {
  loopback: (log, configFile) => {
    const addresses = loopbackConfig(configFile);
    return () => new LoopbackCloud(log, addresses);
  },
};

/** The loopback cloud's config file; a malformed one stops the process with the reason. */
function loopbackConfig(path: string | undefined): AddressBlock {
  if (path === undefined) return {};
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { loadBalancerAddresses?: unknown };
  if (parsed.loadBalancerAddresses === undefined) return {};
  if (typeof parsed.loadBalancerAddresses !== 'string') throw new Error(`${path}: loadBalancerAddresses must be a string such as "127.77.5.0/24"`);
  return parseAddressBlock(parsed.loadBalancerAddresses);
}

export async function main(argv: string[]): Promise<void> {
  const flags = new Flags(argv);
  const log = logger('cloud-controller-manager');
  const name = flags.string('cloud-provider') ?? '';
  // The config is read before anything starts, so a bad one fails the process at once.
  const factory = PROVIDERS[name]?.(log, flags.string('cloud-config'));
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
      const provider = factory();
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
