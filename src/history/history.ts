/**
 * Histories of concurrent client operations, as Knossos and Porcupine record them: each
 * operation is invoked at some time and completes with `ok` (it happened, with this output),
 * `fail` (it certainly did not happen) or `info` (unknown: it timed out, so it may take
 * effect at any time after its invocation, even after every other operation).
 */

export type Outcome = 'ok' | 'fail' | 'info';

export interface Operation<I, O> {
  client: number;
  input: I;
  /** Output of an `ok` operation. */
  output?: O;
  outcome: Outcome;
  /** Monotonic times (ms); `returnedAt` is ignored for `info` operations. */
  invokedAt: number;
  returnedAt: number;
}

/** Collects operations from concurrent clients against a monotonic clock. */
export class HistoryRecorder<I, O> {
  readonly operations: Array<Operation<I, O>> = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs `call`, recording it; a thrown error is `fail` if `definitelyFailed(error)`, else `info`. */
  async record(client: number, input: I, call: () => Promise<O>, definitelyFailed: (error: unknown) => boolean = () => false): Promise<O | undefined> {
    const invokedAt = this.now();
    try {
      const output = await call();
      this.operations.push({ client, input, output, outcome: 'ok', invokedAt, returnedAt: this.now() });
      return output;
    } catch (error) {
      this.operations.push({ client, input, outcome: definitelyFailed(error) ? 'fail' : 'info', invokedAt, returnedAt: this.now() });
      return undefined;
    }
  }
}
