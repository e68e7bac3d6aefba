/**
 * Network: real connections carrying bytes, from a vantage point in or around the cluster.
 * The workload image answers every connection with its Pod name (serve-hostname), so a
 * reply tells which backend served it.
 */

export type Vantage =
  /** The machine running the kit, outside the cluster network. */
  | { from: 'outside' }
  /** A client Pod the target runs in the given namespace (on a given node, if named). */
  | { from: 'pod'; namespace: string; node?: string }
  /** The node's own network (host network namespace of that node). */
  | { from: 'node'; node: string };

export interface ConnectResult {
  ok: boolean;
  /** What the server answered (serve-hostname: the Pod name), when ok. */
  reply?: string;
  /** e.g. 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET' when not ok. */
  error?: string;
}

export interface Network {
  tcp(vantage: Vantage, host: string, port: number, options?: { timeoutMs?: number }): Promise<ConnectResult>;
  udp(vantage: Vantage, host: string, port: number, options?: { timeoutMs?: number }): Promise<ConnectResult>;
  /** Opens a TCP connection and keeps it open until close(), which resolves once the client end is closed. */
  hold(vantage: Vantage, host: string, port: number): Promise<{ reply: string; close(): Promise<void> }>;
  /** Many connections from one vantage, counted by reply; sourceAddress pins a client address. */
  spray(vantage: Vantage, host: string, port: number, count: number, options?: { protocol?: 'tcp' | 'udp'; sourceAddress?: string }): Promise<Map<string, number>>;
}
