/**
 * The user-space data planes: `userspace` mode (upstream's legacy proxier: round-robin with
 * ClientIP affinity, relayed by the proxy process) and `ipvs` mode on a kernel without
 * IP_VS (the same virtual-server table the kernel would get, balanced here by the kernel's
 * schedulers with a connection table). One listener per virtual server; a sync opens new
 * ones, updates the real servers of existing ones and closes the rest.
 */
import { buildVirtualServers, virtualServerKey, type IpvsScheduler, type VirtualServer } from '../core/ipvs-table.ts';
import type { ServicePortEntry } from '../core/service-port-table.ts';
import { VirtualServerBalancer } from '../core/virtual-server-balancer.ts';
import type { DataPlane, Log } from './data-plane.ts';
import { TcpRelay } from './tcp-relay.ts';
import { UdpRelay } from './udp-relay.ts';
import type { VipAddresses } from './vip-addresses.ts';

export interface RelayDataPlaneOptions {
  mode: string;
  nodeName: string | undefined;
  /** Addresses NodePorts listen on; ['0.0.0.0'] for every address. */
  nodePortAddresses: readonly string[];
  scheduler: IpvsScheduler;
  /** Makes service addresses local (root); absent when addresses are loopback ones. */
  vips: VipAddresses | undefined;
  log: Log;
  now: () => number;
  udpIdleMs?: number;
}

interface Listener {
  vs: VirtualServer;
  balancer: VirtualServerBalancer;
  relay: TcpRelay | UdpRelay;
}

export class RelayDataPlane implements DataPlane {
  private readonly listeners = new Map<string, Listener>();
  private failedBinds = 0;

  constructor(private readonly options: RelayDataPlaneOptions) {}

  get mode(): string {
    return this.options.mode;
  }

  async sync(table: readonly ServicePortEntry[]): Promise<void> {
    const servers = buildVirtualServers(table, { nodeName: this.options.nodeName, nodeAddresses: this.options.nodePortAddresses, scheduler: this.options.scheduler });
    const wanted = new Map(servers.map((vs) => [virtualServerKey(vs), vs]));
    for (const [key, listener] of this.listeners) {
      if (wanted.has(key)) continue;
      this.listeners.delete(key);
      await listener.relay.close();
    }
    if (this.options.vips !== undefined) await this.options.vips.ensure(servers.filter((vs) => vs.kind !== 'node-port').map((vs) => vs.address));
    for (const [key, vs] of wanted) {
      const existing = this.listeners.get(key);
      if (existing !== undefined) {
        existing.vs = vs;
        existing.balancer.update(vs);
        continue;
      }
      const balancer = new VirtualServerBalancer(vs);
      const context = { balancer, now: this.options.now, onError: this.options.log };
      const relay = vs.protocol === 'udp' ? new UdpRelay(vs.address, vs.port, context, this.options.udpIdleMs) : new TcpRelay(vs.address, vs.port, context);
      try {
        await relay.listen();
        this.listeners.set(key, { vs, balancer, relay });
      } catch (error) {
        // Retried at the next sync; a clash with another listener must not stop the others.
        this.failedBinds++;
        this.options.log(`cannot listen for ${vs.service} on ${vs.protocol} ${vs.address}:${vs.port}: ${(error as Error).message}`);
      }
    }
  }

  /** Active connections per real server of one virtual server (tests, /metrics). */
  activeConnections(protocol: 'tcp' | 'udp', address: string, port: number): Map<string, number> | undefined {
    return this.listeners.get(virtualServerKey({ protocol, address, port }))?.balancer.activeConnections();
  }

  /** The virtual-server table in force, as ipvsadm would list it. */
  virtualServers(): VirtualServer[] {
    return [...this.listeners.values()].map((l) => l.vs);
  }

  metrics(): Record<string, number> {
    let accepted = 0;
    for (const l of this.listeners.values()) accepted += l.relay.accepted;
    return { kck_proxy_listeners: this.listeners.size, kck_proxy_relayed_connections_total: accepted, kck_proxy_bind_failures_total: this.failedBinds };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => l.relay.close()));
    this.listeners.clear();
    if (this.options.vips !== undefined) await this.options.vips.remove();
  }
}
