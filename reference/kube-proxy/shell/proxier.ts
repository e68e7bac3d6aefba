/**
 * The proxier loop: keeps the latest Services and EndpointSlices, and brings the data
 * plane to them. Syncs are single-flight and coalesced (many watch events during one sync
 * cause one more sync, not many), failed syncs are retried, and a periodic full resync
 * repairs rules someone else changed (upstream --iptables-sync-period, default 30 s).
 */
import type { EndpointSlice, Service } from '../core/api-types.ts';
import { buildServicePortTable } from '../core/service-port-table.ts';
import type { DataPlane, Log } from './data-plane.ts';

export interface ProxierOptions {
  fullSyncPeriodMs: number;
  retryMs: number;
}

export class Proxier {
  private services: readonly Service[] = [];
  private slices: readonly EndpointSlice[] = [];
  private label = '';
  private dirty = false;
  private full = false;
  private running: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private stopped = false;
  private syncs = 0;
  lastSynced: Date | undefined;

  constructor(
    readonly plane: DataPlane,
    private readonly log: Log,
    private readonly options: ProxierOptions = { fullSyncPeriodMs: 30_000, retryMs: 1000 },
  ) {}

  start(): void {
    this.periodic = setInterval(() => this.requestSync(true), this.options.fullSyncPeriodMs);
    this.periodic.unref();
  }

  /** New desired state; `label` appears in the "synced" log line (e.g. a generation). */
  setState(services: readonly Service[], slices: readonly EndpointSlice[], label = ''): void {
    this.services = services;
    this.slices = slices;
    this.label = label;
    this.requestSync(false);
  }

  requestSync(full: boolean): void {
    if (this.stopped) return;
    this.dirty = true;
    this.full ||= full;
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves when no sync is running or pending. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      const full = this.full;
      this.full = false;
      const label = this.label;
      const table = buildServicePortTable(this.services, this.slices);
      try {
        await this.plane.sync(table, full);
        this.syncs++;
        this.lastSynced = new Date();
        this.log(`synced ${table.length} service ports${full ? ' (full)' : ''}${label !== '' ? ` generation=${label}` : ''}`);
      } catch (error) {
        this.log(`sync failed, retrying in ${this.options.retryMs} ms: ${(error as Error).message}`);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.requestSync(true), this.options.retryMs);
      }
    }
  }

  metrics(): Record<string, number> {
    return { kck_proxy_syncs_total: this.syncs, ...this.plane.metrics() };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.periodic);
    clearTimeout(this.retryTimer);
    await this.idle();
    await this.plane.stop();
  }
}
