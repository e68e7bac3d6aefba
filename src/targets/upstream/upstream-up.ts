/**
 * `npm run upstream:up`: builds the upstream binaries if the cache lacks them, starts a
 * local upstream control plane and keeps it running until SIGINT/SIGTERM.
 * Flags: --keep-state (do not delete the state folder on exit), --no-build,
 * --without-scheduler and --without-controller-manager (to pair the upstream apiserver with
 * reference controllers).
 */
import { pathToFileURL } from 'node:url';
import { startUpstreamControlPlane } from './upstream-control-plane.ts';
import { buildUpstream, missingUpstreamBinaries, upstreamBinDir } from './upstream-binaries.ts';

export async function main(argv: string[]): Promise<void> {
  let binDir = upstreamBinDir();
  if ((await missingUpstreamBinaries(binDir)).length > 0) {
    if (argv.includes('--no-build')) throw new Error(`upstream binaries missing in ${binDir}; run npm run upstream:build`);
    process.stderr.write('[upstream] building upstream binaries (first time: many minutes)\n');
    binDir = await buildUpstream();
  }
  const cp = await startUpstreamControlPlane({
    binDir,
    keepState: argv.includes('--keep-state'),
    scheduler: !argv.includes('--without-scheduler'),
    controllerManager: !argv.includes('--without-controller-manager'),
  });
  process.stdout.write(`server: ${cp.server}\nstate: ${cp.stateDir}\nexport KUBECONFIG=${cp.kubeconfigPath}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write('[upstream] stopping\n');
  await cp.stop();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`[upstream] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
