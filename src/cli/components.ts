/**
 * `kck <component> [flags]` runs one reference component in the foreground, with the flags
 * its upstream twin's users know. Each component exports main(argv) from its main.ts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError } from './cli-error.ts';

export const COMPONENTS: Record<string, { path: string; summary: string }> = {
  etcd: { path: 'reference/etcd/main.ts', summary: 'an etcd member (Raft, MVCC, etcd v3 gRPC)' },
  apiserver: { path: 'reference/apiserver/main.ts', summary: 'kube-apiserver on etcd' },
  'apiserver-lb': { path: 'reference/apiserver-lb/main.ts', summary: 'an L4 load balancer in front of apiservers' },
  scheduler: { path: 'reference/scheduler/main.ts', summary: 'kube-scheduler' },
  'controller-manager': { path: 'reference/controller-manager/main.ts', summary: 'kube-controller-manager' },
  'cloud-controller-manager': { path: 'reference/cloud-controller-manager/main.ts', summary: 'cloud-controller-manager with the reference cloud' },
  kubelet: { path: 'reference/kubelet/main.ts', summary: 'the kubelet of one node' },
  runtime: { path: 'reference/runtime/main.ts', summary: 'a CRI v1 container runtime' },
  proxy: { path: 'reference/kube-proxy/main.ts', summary: 'kube-proxy (userspace, iptables, ipvs modes)' },
  node: { path: 'src/targets/docker/node-supervisor.ts', summary: 'a node container: runtime, kubelet and kube-proxy from a plan file' },
};

export async function runComponent(name: string, argv: string[]): Promise<void> {
  const component = COMPONENTS[name];
  if (component === undefined) throw new CliError(`unknown component "${name}"`);
  const file = fileURLToPath(new URL(`../../${component.path}`, import.meta.url));
  if (!existsSync(file)) throw new CliError(`the reference ${name} is not built yet (${component.path} is missing)`);
  const module = (await import(file)) as { main?: (argv: string[]) => Promise<void> };
  if (typeof module.main !== 'function') throw new CliError(`${component.path} exports no main(argv)`);
  try {
    await module.main(argv);
  } catch (error) {
    throw asInputError(name, error) ?? error;
  }
}

/** Programming errors keep their stack; the component's own TypeError is a bug, not bad input. */
const BUGS = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * A component that cannot start for what it was given (a flag, a missing file, a port in use)
 * says so in one line and exits 1, as upstream components do.
 */
function asInputError(name: string, error: unknown): CliError | undefined {
  if (!(error instanceof Error) || BUGS.some((kind) => error instanceof kind && !('code' in error))) return undefined;
  return new CliError(`${name}: ${error.message.split('\n')[0] ?? ''}`, 1);
}
