/**
 * kube-controller-manager (reference). Flags as upstream: --kubeconfig, --master,
 * --controllers (default "*"), --leader-elect (default true) and its lease flags,
 * --node-monitor-grace-period (default 40s), --node-monitor-period (default 5s).
 * --pod-eviction-timeout is accepted and ignored, as upstream since taint-based eviction:
 * Pods go when their NoExecute tolerations (tolerationSeconds, 300 s by default admission) end.
 */
import { pathToFileURL } from 'node:url';
import { apiFromFlags, logger, runComponent, untilAborted } from '../client-machinery/shell/component.ts';
import { Flags, parseDuration } from '../client-machinery/shell/flags.ts';
import { ControllerManager } from './shell/controller-manager.ts';

export async function main(argv: string[]): Promise<void> {
  const flags = new Flags(argv);
  const log = logger('kube-controller-manager');
  const api = await apiFromFlags(flags);
  if (flags.string('pod-eviction-timeout') !== undefined) log('--pod-eviction-timeout is ignored: eviction follows NoExecute tolerations (tolerationSeconds)');
  await runComponent({
    name: 'kube-controller-manager',
    leaseName: 'kube-controller-manager',
    flags,
    api,
    log,
    work: async (signal) => {
      const cm = new ControllerManager(api, {
        controllers: (flags.string('controllers') ?? '*').split(',').map((s) => s.trim()),
        nodeMonitorGracePeriodMs: parseDuration(flags.string('node-monitor-grace-period') ?? '40s'),
        nodeMonitorPeriodMs: parseDuration(flags.string('node-monitor-period') ?? '5s'),
        log,
      });
      const enabled = await cm.start();
      log(`started controllers: ${enabled.join(', ')}`);
      await untilAborted(signal);
      await cm.stop();
    },
  });
  api.close?.();
  log('stopped');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`kube-controller-manager: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
