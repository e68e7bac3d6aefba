/**
 * Backend choice for the L4 load balancer: round robin over the backends whose last
 * health check passed. Pure: the shell reports health and asks for the next backend.
 */

export class RoundRobin {
  private readonly healthy: boolean[];
  private next = 0;

  constructor(readonly backends: readonly string[]) {
    // Until the first check, assume healthy so the balancer serves at once.
    this.healthy = backends.map(() => true);
  }

  report(index: number, ok: boolean): void {
    if (index >= 0 && index < this.healthy.length) this.healthy[index] = ok;
  }

  isHealthy(index: number): boolean {
    return this.healthy[index] === true;
  }

  /** The next healthy backend index, skipping `exclude` (already tried); undefined if none. */
  pick(exclude: ReadonlySet<number> = new Set()): number | undefined {
    for (let i = 0; i < this.backends.length; i++) {
      const candidate = (this.next + i) % this.backends.length;
      if (this.healthy[candidate] === true && !exclude.has(candidate)) {
        this.next = (candidate + 1) % this.backends.length;
        return candidate;
      }
    }
    return undefined;
  }
}
