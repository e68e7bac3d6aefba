/**
 * Kubernetes resource quantities ("100m", "1.5", "128Mi", "1G", "2e3") as numbers.
 * CPU is compared in millicores and everything else in base units, which is what the
 * scheduler's resource fit does (upstream resource.Quantity MilliValue / Value).
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const PATTERN = /^([+-]?[0-9]*\.?[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$/;

/** The quantity in base units; throws on a malformed quantity, as the apiserver would reject it. */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = PATTERN.exec(value.trim());
  if (m === null) throw new Error(`invalid quantity ${JSON.stringify(value)}`);
  const base = Number(m[1]);
  if (m[3] !== undefined) return base * 10 ** Number(m[3]);
  const suffix = m[2] ?? '';
  return base * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/** CPU in millicores, rounded up as upstream MilliValue does. */
export function milliCpu(value: string | number): number {
  return Math.ceil(Math.round(parseQuantity(value) * 1e6) / 1e3);
}

/** Non-CPU resources in whole base units, rounded up. */
export function wholeUnits(value: string | number): number {
  return Math.ceil(parseQuantity(value));
}
