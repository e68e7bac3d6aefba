/**
 * pod-template-hash: a short, label-safe hash of a Deployment's Pod template (upstream
 * controller.ComputeHash: FNV-1a 32 over the template, plus collisionCount, encoded with
 * rand.SafeEncodeString's alphabet so it never spells words or looks like a number).
 */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Deterministic JSON: object keys sorted, so equal templates hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncode(n: number): string {
  const digits = String(n);
  let out = '';
  for (const d of digits) out += ALPHABET[d.charCodeAt(0) % ALPHABET.length] ?? 'b';
  return out;
}

export function templateHash(template: unknown, collisionCount = 0): string {
  const text = canonicalJson(template) + (collisionCount > 0 ? String(collisionCount) : '');
  return safeEncode(fnv1a32(text));
}
