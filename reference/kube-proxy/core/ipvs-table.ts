/**
 * The IPVS-mode rule set: one virtual server per ClusterIP:port, per node address:NodePort
 * and per external/load-balancer IP:port, each with the Service's endpoints as real
 * servers (masquerade forwarding, weight 1) and the configured scheduler, as upstream
 * pkg/proxy/ipvs programs it. ClientIP affinity becomes IPVS persistence (`-p <timeout>`).
 * `renderIpvsadmRestore` prints the table the way `ipvsadm-save -n` does, so
 * `ipvsadm-restore` can load it on a kernel with IP_VS.
 */
import { usableEndpoints, type ServicePortEntry } from './service-port-table.ts';

export const IPVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'sh', 'dh'] as const;
export type IpvsScheduler = (typeof IPVS_SCHEDULERS)[number];

export function isIpvsScheduler(name: string): name is IpvsScheduler {
  return (IPVS_SCHEDULERS as readonly string[]).includes(name);
}

export interface RealServer {
  address: string;
  port: number;
  weight: number;
}

export type VirtualServerKind = 'cluster-ip' | 'node-port' | 'external-ip' | 'load-balancer';

export interface VirtualServer {
  /** The service port it belongs to ("ns/name:port"). */
  service: string;
  kind: VirtualServerKind;
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  scheduler: IpvsScheduler;
  /** Seconds of persistence (ClientIP affinity), when set. */
  persistenceSeconds: number | undefined;
  realServers: RealServer[];
}

export interface IpvsOptions {
  nodeName: string | undefined;
  /** Addresses of this node that NodePorts are opened on. */
  nodeAddresses: readonly string[];
  scheduler: IpvsScheduler;
}

export function virtualServerKey(vs: Pick<VirtualServer, 'protocol' | 'address' | 'port'>): string {
  return `${vs.protocol}:${vs.address}:${vs.port}`;
}

export function buildVirtualServers(table: readonly ServicePortEntry[], options: IpvsOptions): VirtualServer[] {
  const out: VirtualServer[] = [];
  for (const entry of table) {
    const sp = entry.service;
    if (sp.protocol === 'SCTP') continue;
    const protocol = sp.protocol === 'UDP' ? 'udp' : 'tcp';
    const real = (local: boolean): RealServer[] => usableEndpoints(entry, options.nodeName, local).map((e) => ({ address: e.ip, port: e.port, weight: 1 }));
    const make = (kind: VirtualServerKind, address: string, port: number, realServers: RealServer[]): VirtualServer => ({
      service: sp.name,
      kind,
      protocol,
      address,
      port,
      scheduler: options.scheduler,
      persistenceSeconds: sp.affinityTimeoutSeconds,
      realServers,
    });
    for (const ip of sp.clusterIPs) out.push(make('cluster-ip', ip, sp.port, real(false)));
    const external = real(sp.externalPolicyLocal);
    if (sp.nodePort !== undefined) for (const ip of options.nodeAddresses) out.push(make('node-port', ip, sp.nodePort, external));
    for (const ip of sp.externalIPs) out.push(make('external-ip', ip, sp.port, external));
    for (const ip of sp.loadBalancerIPs) out.push(make('load-balancer', ip, sp.port, external));
  }
  return out;
}

export function renderIpvsadmRestore(servers: readonly VirtualServer[]): string {
  const lines: string[] = [];
  for (const vs of servers) {
    const flag = vs.protocol === 'udp' ? '-u' : '-t';
    const addr = `${vs.address}:${vs.port}`;
    lines.push(`-A ${flag} ${addr} -s ${vs.scheduler}${vs.persistenceSeconds !== undefined ? ` -p ${vs.persistenceSeconds}` : ''}`);
    for (const rs of vs.realServers) lines.push(`-a ${flag} ${addr} -r ${rs.address}:${rs.port} -m -w ${rs.weight}`);
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}
