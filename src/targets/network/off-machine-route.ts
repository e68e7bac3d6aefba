/**
 * Whether a packet from this machine to an address would leave it. The kit's own clusters live
 * on loopback and on bridges the kit creates (kck*); an address outside them (a Service's
 * cluster IP, which no host route knows) goes out through the default route. Tests here may
 * send traffic only to this machine and its own namespaces, and a real client outside the
 * cluster has no route to such an address either: so the dial is answered "unreachable"
 * without sending anything.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface RouteAnswer {
  dst?: string;
  gateway?: string;
  dev?: string;
  type?: string;
}

/** The pure decision on `ip -j route get` output. */
export function routeLeavesMachine(answer: readonly RouteAnswer[]): boolean {
  const route = answer[0];
  if (route === undefined) return true;
  if (route.type === 'local' || route.dev === 'lo') return false;
  // A kit bridge (kckb<N> clusters, kckc<N> containerd nodes, kckd<id> docker run networks)
  // is this machine's own network.
  if (route.dev?.startsWith('kck') === true) return false;
  return true;
}

/** Why a dial to `host` may not be sent from here, or undefined when it stays on this machine. */
export async function offMachineReason(host: string): Promise<string | undefined> {
  if (/^127\./.test(host) || host === '::1' || host === 'localhost') return undefined;
  try {
    const { stdout } = await run('ip', ['-j', 'route', 'get', host]);
    const answer = JSON.parse(stdout) as RouteAnswer[];
    if (!routeLeavesMachine(answer)) return undefined;
    return `no route from outside the cluster: ${host} would leave this machine via ${answer[0]?.dev ?? 'the default route'}`;
  } catch (error) {
    return `no route from outside the cluster: ${host} has no route here (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}
