import { resolve } from 'node:path';
import { CliError } from './cli-error.ts';
import { parseCommandArgs } from './main.ts';
import { ReferenceCluster } from '../targets/reference/reference-cluster.ts';

const USAGE = `kck up [--state-dir DIR] [--apiservers N] [--etcd reference|external]

Runs the reference cluster in the foreground: every component a process on loopback.
Writes certificates, kubeconfigs, data and logs into the state dir and prints the admin
kubeconfig's path (use it with kubectl --kubeconfig PATH). Stops cleanly on Ctrl-C/SIGTERM.
  --state-dir    where to keep the cluster's files (default: .kck/cluster)
  --apiservers   number of apiserver instances (default 1)
  --etcd         reference (default) or external (the etcd binary on PATH)`;

export async function upCommand(argv: string[]): Promise<void> {
  const values = parseCommandArgs(
    argv,
    { 'state-dir': { type: 'string', default: '.kck/cluster' }, apiservers: { type: 'string', default: '1' }, etcd: { type: 'string', default: 'reference' } },
    USAGE,
  );
  const apiservers = Number(values['apiservers']);
  if (!Number.isInteger(apiservers) || apiservers < 1) throw new CliError(`--apiservers takes a positive whole number, not "${String(values['apiservers'])}"`);
  const etcd = String(values['etcd']);
  if (etcd !== 'reference' && etcd !== 'external') throw new CliError(`--etcd takes reference or external, not "${etcd}"`);
  const stateDir = resolve(String(values['state-dir']));
  let cluster: ReferenceCluster;
  try {
    cluster = await ReferenceCluster.start({ stateDir, apiservers, etcd });
  } catch (error) {
    throw new CliError(`the reference cluster did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)} (logs in ${stateDir}/logs)`, 1);
  }
  console.log(cluster.adminKubeconfig);
  console.error(`kck: reference cluster up at ${cluster.server}; components: ${[...cluster.components.keys()].join(', ')}; Ctrl-C stops it`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      console.error('kck: stopping the reference cluster');
      void cluster.stop().catch((error: unknown) => {
        console.error(`kck: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      }).finally(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
