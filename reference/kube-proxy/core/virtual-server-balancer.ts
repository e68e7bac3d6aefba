/**
 * One virtual server's balancing state in a user-space data plane: the scheduler, the
 * connection counts it reads (active per real server, like the IPVS connection table) and
 * the persistence templates (ClientIP affinity: client address -> real server until the
 * timeout passes without traffic). Time comes in as an argument (ms), never read here.
 */
import { createScheduler, type Scheduler } from './ipvs-schedulers.ts';
import type { RealServer, VirtualServer } from './ipvs-table.ts';

export function realServerKey(rs: Pick<RealServer, 'address' | 'port'>): string {
  return `${rs.address}:${rs.port}`;
}

interface Tracked {
  server: RealServer;
  active: number;
  inactive: number;
}

export class VirtualServerBalancer {
  private scheduler: Scheduler;
  private servers: Tracked[] = [];
  private persistenceSeconds: number | undefined;
  private readonly templates = new Map<string, { key: string; expiresAt: number }>();

  constructor(vs: VirtualServer) {
    this.scheduler = createScheduler(vs.scheduler);
    this.persistenceSeconds = vs.persistenceSeconds;
    this.update(vs);
  }

  /** New real-server list: counts survive for servers that stay; templates to gone servers expire. */
  update(vs: VirtualServer): void {
    if (vs.scheduler !== this.scheduler.name) this.scheduler = createScheduler(vs.scheduler);
    this.persistenceSeconds = vs.persistenceSeconds;
    const old = new Map(this.servers.map((t) => [realServerKey(t.server), t]));
    this.servers = vs.realServers.map((server) => {
      const seen = old.get(realServerKey(server));
      return seen !== undefined ? { ...seen, server } : { server, active: 0, inactive: 0 };
    });
    const live = new Set(this.servers.map((t) => realServerKey(t.server)));
    for (const [client, t] of this.templates) if (!live.has(t.key)) this.templates.delete(client);
  }

  get realServers(): readonly RealServer[] {
    return this.servers.map((t) => t.server);
  }

  /** Chooses a real server for a new connection from `sourceAddress` and counts it active. */
  open(sourceAddress: string, destinationAddress: string, nowMs: number): RealServer | undefined {
    let chosen: Tracked | undefined;
    if (this.persistenceSeconds !== undefined) {
      const template = this.templates.get(sourceAddress);
      if (template !== undefined && template.expiresAt > nowMs) chosen = this.servers.find((t) => realServerKey(t.server) === template.key);
    }
    if (chosen === undefined) {
      const index = this.scheduler.pick({ servers: this.servers.map((t) => ({ weight: t.server.weight, active: t.active, inactive: t.inactive })), sourceAddress, destinationAddress });
      chosen = index === undefined ? undefined : this.servers[index];
    }
    if (chosen === undefined) return undefined;
    chosen.active++;
    if (this.persistenceSeconds !== undefined) this.templates.set(sourceAddress, { key: realServerKey(chosen.server), expiresAt: nowMs + this.persistenceSeconds * 1000 });
    return chosen.server;
  }

  /** A connection ended; refreshes the client's persistence template (timeouts count from last use). */
  close(server: RealServer, sourceAddress: string, nowMs: number): void {
    const t = this.servers.find((x) => realServerKey(x.server) === realServerKey(server));
    if (t !== undefined && t.active > 0) t.active--;
    const template = this.templates.get(sourceAddress);
    if (template !== undefined && this.persistenceSeconds !== undefined) template.expiresAt = nowMs + this.persistenceSeconds * 1000;
  }

  /** Active connections per real server ("address:port" -> count), for /metrics and tests. */
  activeConnections(): Map<string, number> {
    return new Map(this.servers.map((t) => [realServerKey(t.server), t.active]));
  }
}
