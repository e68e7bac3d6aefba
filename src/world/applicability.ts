/**
 * Decides whether a scenario can run on a target, from its `@cap:<capability>` tags.
 * Outcomes other than "run" are reported as such, never as passed.
 */
import { isCapability, type Target } from '../ports/target.ts';

export type Applicability =
  | { status: 'run' }
  | { status: 'not-applicable'; reason: string }
  | { status: 'not-implemented'; reason: string };

export const STATUS_MEDIA_TYPE = 'application/vnd.kck.status+json';

export function capabilitiesOf(tags: readonly string[]): string[] {
  return tags.filter((t) => t.startsWith('@cap:')).map((t) => t.slice('@cap:'.length));
}

export function applicability(target: Pick<Target, 'name' | 'capabilities' | 'pending' | 'unavailableReason'>, tags: readonly string[]): Applicability {
  const needed = capabilitiesOf(tags);
  for (const name of needed) {
    if (!isCapability(name)) return { status: 'not-applicable', reason: `unknown capability tag @cap:${name}` };
  }
  const missing = needed.filter((c) => isCapability(c) && !target.capabilities.has(c));
  const unavailable = missing.filter((c) => isCapability(c) && !target.pending.has(c));
  if (unavailable.length > 0) {
    return {
      status: 'not-applicable',
      reason: unavailable.map((c) => `${c}: ${isCapability(c) ? target.unavailableReason(c) : 'unknown'}`).join('; '),
    };
  }
  if (missing.length > 0) {
    return { status: 'not-implemented', reason: missing.map((c) => `${c}: ${isCapability(c) ? target.pending.get(c) : ''}`).join('; ') };
  }
  return { status: 'run' };
}
