/**
 * A schema-less protobuf wire decoder: splits a message into (field number, wire type,
 * value) triples. The Kubernetes protobuf envelope and the field maps in
 * protobuf-kube.ts turn those into JSON objects.
 */

export interface WireField {
  field: number;
  wireType: 0 | 1 | 2 | 5;
  /** varint and fixed values as bigint; length-delimited values as bytes. */
  value: bigint | Uint8Array;
}

export class WireError extends Error {}

function varint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new WireError('truncated varint');
    const b = buf[pos++] as number;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 63n) throw new WireError('varint too long');
  }
}

export function decodeWire(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = varint(buf, pos);
    pos = p1;
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (field === 0) throw new WireError('field number 0');
    if (wireType === 0) {
      const [v, p2] = varint(buf, pos);
      pos = p2;
      out.push({ field, wireType, value: v });
    } else if (wireType === 2) {
      const [len, p2] = varint(buf, pos);
      const end = p2 + Number(len);
      if (end > buf.length) throw new WireError('truncated length-delimited field');
      out.push({ field, wireType, value: buf.subarray(p2, end) });
      pos = end;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (pos + size > buf.length) throw new WireError('truncated fixed field');
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[pos + i] as number);
      out.push({ field, wireType, value: v });
      pos += size;
    } else throw new WireError(`unsupported wire type ${wireType}`);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
export function text(v: bigint | Uint8Array): string {
  return v instanceof Uint8Array ? utf8.decode(v) : String(v);
}
