/** Taint/toleration matching, after upstream v1helper.TolerationsTolerateTaint. */
import type { Taint, Toleration } from '../../client-machinery/core/api-types.ts';

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  // An empty key with operator Exists tolerates every taint.
  if (toleration.key !== undefined && toleration.key !== '' && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}

export function toleratesTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  for (const t of tolerations ?? []) if (tolerates(t, taint)) return true;
  return false;
}

/** The first taint with one of `effects` that no toleration tolerates. */
export function firstUntolerated(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly Taint['effect'][]): Taint | undefined {
  for (const taint of taints ?? []) {
    if (!effects.includes(taint.effect)) continue;
    if (!toleratesTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
