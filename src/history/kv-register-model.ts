/** A single key as a register: reads, writes and compare-and-set, with "missing" as a value. */
import type { Model } from './linearizability.ts';

export type RegisterInput =
  | { type: 'read' }
  | { type: 'write'; value: string }
  | { type: 'cas'; from: string | null; to: string };

/** A read's value (null = missing) or whether a cas succeeded. */
export type RegisterOutput = { value: string | null } | { swapped: boolean } | Record<string, never>;

export const kvRegisterModel: Model<string | null, RegisterInput, RegisterOutput> = {
  init: () => null,
  key: (state) => (state === null ? '\u0000' : `=${state}`),
  step(state, input, output) {
    switch (input.type) {
      case 'read':
        // A read with an unknown result constrains nothing.
        if (output === undefined || !('value' in output)) return { ok: true, state };
        return { ok: output.value === state, state };
      case 'write':
        return { ok: true, state: input.value };
      case 'cas': {
        const matches = state === input.from;
        if (output === undefined || !('swapped' in output)) {
          // Unknown outcome: if it applies here it swapped, otherwise it was refused.
          return { ok: true, state: matches ? input.to : state };
        }
        return output.swapped ? { ok: matches, state: matches ? input.to : state } : { ok: !matches, state };
      }
    }
  },
};
