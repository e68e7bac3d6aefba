/**
 * A linearizability checker in the style of Wing & Gong with Lowe's memoization (as in
 * Porcupine): search for a total order of the operations that respects real time (an
 * operation that returned before another was invoked comes first) and that the sequential
 * model accepts. Visited (set of linearized operations, model state) pairs are cached, which
 * keeps the search tractable for the histories of a few clients on one key.
 */
import type { Operation } from './history.ts';

export interface Model<S, I, O> {
  init(): S;
  /** Applies the input; `output` is undefined for operations whose outcome is unknown. */
  step(state: S, input: I, output: O | undefined): { ok: boolean; state: S };
  key(state: S): string;
  describe?(input: I, output: O | undefined): string;
}

interface Entry {
  kind: 'call' | 'return';
  id: number;
  time: number;
  /** The call's matching return, and back. */
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

export interface CheckResult {
  linearizable: boolean;
  /** Operations in the deepest linearization prefix found, for failure reports. */
  longestPrefix: number[];
}

export function checkLinearizable<S, I, O>(model: Model<S, I, O>, history: ReadonlyArray<Operation<I, O>>): CheckResult {
  // Failed operations never happened; unknown ones may complete at any time after their call.
  const ops = history.filter((op) => op.outcome !== 'fail');
  const events: Entry[] = [];
  ops.forEach((op, id) => {
    const call: Entry = { kind: 'call', id, time: op.invokedAt, match: undefined, prev: undefined, next: undefined };
    const ret: Entry = { kind: 'return', id, time: op.outcome === 'info' ? Number.POSITIVE_INFINITY : op.returnedAt, match: call, prev: undefined, next: undefined };
    call.match = ret;
    events.push(call, ret);
  });
  // Calls before returns at equal times: the most permissive reading of a tie.
  events.sort((a, b) => a.time - b.time || (a.kind === b.kind ? 0 : a.kind === 'call' ? -1 : 1));
  const head: Entry = { kind: 'call', id: -1, time: -1, match: undefined, prev: undefined, next: undefined };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }

  const lift = (e: Entry): void => {
    // Remove a call and its return from the list.
    if (e.prev) e.prev.next = e.next;
    if (e.next) e.next.prev = e.prev;
    const r = e.match as Entry;
    if (r.prev) r.prev.next = r.next;
    if (r.next) r.next.prev = r.prev;
  };
  const unlift = (e: Entry): void => {
    const r = e.match as Entry;
    if (r.prev) r.prev.next = r;
    if (r.next) r.next.prev = r;
    if (e.prev) e.prev.next = e;
    if (e.next) e.next.prev = e;
  };

  const cache = new Set<string>();
  const stack: Array<{ entry: Entry; state: S }> = [];
  let linearized = 0n;
  let state = model.init();
  let entry = head.next;
  let longest: number[] = [];
  while (head.next !== undefined) {
    if (entry === undefined) break;
    if (entry.kind === 'call') {
      const op = ops[entry.id] as Operation<I, O>;
      const result = model.step(state, op.input, op.outcome === 'ok' ? op.output : undefined);
      const next = linearized | (1n << BigInt(entry.id));
      const key = `${next.toString(36)}|${model.key(result.state)}`;
      if (result.ok && !cache.has(key)) {
        cache.add(key);
        stack.push({ entry, state });
        state = result.state;
        linearized = next;
        lift(entry);
        if (stack.length > longest.length) longest = stack.map((s) => s.entry.id);
        entry = head.next;
      } else {
        entry = entry.next;
      }
    } else {
      // A return whose call is not linearized yet: backtrack.
      const top = stack.pop();
      if (top === undefined) return { linearizable: false, longestPrefix: longest };
      state = top.state;
      linearized &= ~(1n << BigInt(top.entry.id));
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { linearizable: true, longestPrefix: longest };
}
