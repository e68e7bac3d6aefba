/** A minimal protobuf writer: enough to emit the OpenAPI v2 index kubectl ≤ 1.27 reads. */

export type Field = [number, string | Uint8Array | boolean | number];

const utf8 = new TextEncoder();

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Encodes fields in order; strings and nested messages are length-delimited, numbers/bools varints. */
export function message(fields: readonly Field[]): Uint8Array {
  const parts: number[] = [];
  for (const [num, value] of fields) {
    if (typeof value === 'number' || typeof value === 'boolean') {
      parts.push(...varint(num * 8), ...varint(Number(value)));
      continue;
    }
    const bytes = typeof value === 'string' ? utf8.encode(value) : value;
    parts.push(...varint(num * 8 + 2), ...varint(bytes.length));
    for (const b of bytes) parts.push(b);
  }
  return Uint8Array.from(parts);
}
