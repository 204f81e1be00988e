/**
 * Protocol-buffers wire format, reading side only: what the API server needs to decode the
 * `application/vnd.kubernetes.protobuf` bodies kubectl's typed clients send.
 */

export const WIRE = { VARINT: 0, FIXED64: 1, LEN: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

export class ProtoError extends Error {}

/** One field as it appears on the wire: its number, wire type and raw payload. */
export interface WireField {
  no: number;
  wire: number;
  /** VARINT / FIXED64 / FIXED32: the integer (64-bit as bigint, two's complement). */
  int?: bigint;
  /** LEN: the bytes. */
  bytes?: Uint8Array;
}

/** Reads the fields of one message in order. Throws ProtoError on truncated or malformed input. */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new ProtoError('truncated varint');
      const b = buf[pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new ProtoError('varint too long');
    }
  };
  const fixed = (n: number): bigint => {
    if (pos + n > buf.length) throw new ProtoError('truncated fixed value');
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[pos + i] as number);
    pos += n;
    return v;
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (no === 0) throw new ProtoError('field number 0');
    switch (wire) {
      case WIRE.VARINT:
        out.push({ no, wire, int: varint() });
        break;
      case WIRE.FIXED64:
        out.push({ no, wire, int: fixed(8) });
        break;
      case WIRE.FIXED32:
        out.push({ no, wire, int: fixed(4) });
        break;
      case WIRE.LEN: {
        const len = Number(varint());
        if (pos + len > buf.length) throw new ProtoError('truncated length-delimited field');
        out.push({ no, wire, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      default:
        throw new ProtoError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** The varints packed in a LEN field (`[packed=true]` repeated scalars). */
export function readPackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new ProtoError('truncated packed varint');
      const b = buf[pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    out.push(result);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function text(bytes: Uint8Array | undefined): string {
  if (!bytes) return '';
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ProtoError('string field is not valid UTF-8');
  }
}

/** A 64-bit two's complement value as a signed JS number. */
export function signed64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

export function signed32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
