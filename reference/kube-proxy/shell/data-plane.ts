/** What every proxy mode offers the proxier: apply a service port table, report, stop. */
import type { ServicePortEntry } from '../core/service-port-table.ts';

export interface DataPlane {
  /** The mode as /proxyMode reports it; the first word is the upstream mode name. */
  readonly mode: string;
  /** Brings the data plane to `table`; `full` asks for a complete rewrite (periodic resync). */
  sync(table: readonly ServicePortEntry[], full: boolean): Promise<void>;
  /** Counters for /metrics (name -> value). */
  metrics(): Record<string, number>;
  stop(): Promise<void>;
}

export type Log = (line: string) => void;
