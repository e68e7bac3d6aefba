/** Callbacks waiting for the applied index to reach a value. */
export class Waiters {
  private current = 0;
  private waiting: Array<{ index: number; fn: () => void }> = [];

  waitFor(index: number, fn: () => void): void {
    if (index <= this.current) fn();
    else this.waiting.push({ index, fn });
  }

  advance(index: number): void {
    if (index > this.current) this.current = index;
    if (this.waiting.length === 0) return;
    const ready = this.waiting.filter((w) => w.index <= this.current);
    this.waiting = this.waiting.filter((w) => w.index > this.current);
    for (const w of ready) w.fn();
  }
}
