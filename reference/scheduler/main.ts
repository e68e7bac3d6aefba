/**
 * kube-scheduler (reference). Flags as upstream: --kubeconfig, --master, --leader-elect
 * (default true), --leader-elect-lease-duration, --leader-elect-renew-deadline,
 * --leader-elect-retry-period, --leader-elect-resource-name/-namespace,
 * --scheduler-name (extra profile names, comma separated; reference-only convenience).
 */
import { pathToFileURL } from 'node:url';
import { apiFromFlags, logger, runComponent, untilAborted } from '../client-machinery/shell/component.ts';
import { Flags } from '../client-machinery/shell/flags.ts';
import { defaultProfile } from './core/default-profile.ts';
import { Scheduler } from './shell/scheduler.ts';

export async function main(argv: string[]): Promise<void> {
  const flags = new Flags(argv);
  const log = logger('kube-scheduler');
  const api = await apiFromFlags(flags);
  const names = (flags.string('scheduler-name') ?? 'default-scheduler').split(',').filter((n) => n !== '');
  log(`starting against ${api.server}, profiles ${names.join(',')}`);
  await runComponent({
    name: 'kube-scheduler',
    leaseName: 'kube-scheduler',
    flags,
    api,
    log,
    work: async (signal) => {
      const scheduler = new Scheduler(api, { profiles: names.map((n) => defaultProfile(n)), log });
      await scheduler.start();
      log('scheduling');
      await untilAborted(signal);
      await scheduler.stop();
    },
  });
  api.close?.();
  log('stopped');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`kube-scheduler: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
