/**
 * Protocol-buffers wire format, reading side only: what the API server needs to decode the
 * `application/vnd.kubernetes.protobuf` bodies kubectl's typed clients send.
 *
 * Linear in the input, whatever it holds: a varint is at most 10 bytes (as protobuf itself
 * requires) and is read into two 32-bit halves, never a number that grows with the input;
 * a length-delimited field is skipped at its own level and read once by whoever decodes it.
 */

export const WIRE = { VARINT: 0, FIXED64: 1, LEN: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

export class ProtoError extends Error {}

/** A 64-bit integer as its low and high 32 bits (both unsigned). */
export interface U64 {
  lo: number;
  hi: number;
}

/** One field as it appears on the wire: its number, wire type and raw payload. */
export interface WireField {
  no: number;
  wire: number;
  /** VARINT / FIXED64 / FIXED32: the integer, 64 bits, two's complement. */
  int?: U64;
  /** LEN: the bytes. */
  bytes?: Uint8Array;
}

const MAX_VARINT_BYTES = 10;
const ZERO: U64 = { lo: 0, hi: 0 };

/** Reads one varint at `pos`; returns it and the position after it. */
function varintAt(buf: Uint8Array, start: number, what: string): [U64, number] {
  let lo = 0;
  let hi = 0;
  let pos = start;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (pos >= buf.length) throw new ProtoError(`truncated ${what}`);
    const b = buf[pos++] as number;
    const bits = b & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= (bits & 0x0f) << 28;
      hi |= bits >>> 4;
    } else hi |= bits << (7 * i - 32);
    if ((b & 0x80) === 0) return [{ lo: lo >>> 0, hi: hi >>> 0 }, pos];
  }
  throw new ProtoError(`${what} longer than ${MAX_VARINT_BYTES} bytes`);
}

/** A length or a field key: a varint that must fit a safe JS number. */
function smallAt(buf: Uint8Array, pos: number, what: string): [number, number] {
  const [v, next] = varintAt(buf, pos, what);
  if (v.hi > 0x1fffff) throw new ProtoError(`${what} out of range`);
  return [v.hi * 2 ** 32 + v.lo, next];
}

/** Reads the fields of one message in order. Throws ProtoError on truncated or malformed input. */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = smallAt(buf, pos, 'field key');
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (no === 0) throw new ProtoError('field number 0');
    if (no > 2 ** 29 - 1) throw new ProtoError('field number out of range');
    switch (wire) {
      case WIRE.VARINT: {
        let int: U64;
        [int, pos] = varintAt(buf, pos, 'varint');
        out.push({ no, wire, int });
        break;
      }
      case WIRE.FIXED64:
      case WIRE.FIXED32: {
        const n = wire === WIRE.FIXED64 ? 8 : 4;
        if (pos + n > buf.length) throw new ProtoError('truncated fixed value');
        const lo = (buf[pos] as number) | ((buf[pos + 1] as number) << 8) | ((buf[pos + 2] as number) << 16) | ((buf[pos + 3] as number) << 24);
        const hi = n === 8 ? (buf[pos + 4] as number) | ((buf[pos + 5] as number) << 8) | ((buf[pos + 6] as number) << 16) | ((buf[pos + 7] as number) << 24) : 0;
        out.push({ no, wire, int: { lo: lo >>> 0, hi: hi >>> 0 } });
        pos += n;
        break;
      }
      case WIRE.LEN: {
        let len: number;
        [len, pos] = smallAt(buf, pos, 'length');
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
export function readPackedVarints(buf: Uint8Array): U64[] {
  const out: U64[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let v: U64;
    [v, pos] = varintAt(buf, pos, 'packed varint');
    out.push(v);
  }
  return out;
}

export function intOf(f: WireField | undefined): U64 {
  return f?.int ?? ZERO;
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

/** A 64-bit two's complement value as a signed JS number (exact within ±2^53). */
export function signed64(v: U64): number {
  return (v.hi | 0) * 2 ** 32 + v.lo;
}

export function unsigned64(v: U64): number {
  return v.hi * 2 ** 32 + v.lo;
}

export function signed32(v: U64): number {
  return v.lo | 0;
}

export function unsigned32(v: U64): number {
  return v.lo >>> 0;
}

export function isZero(v: U64): boolean {
  return v.lo === 0 && v.hi === 0;
}

/** ZigZag-decoded (sint32 / sint64). */
export function zigzag(v: U64): number {
  const half = unsigned64({ lo: ((v.lo >>> 1) | (v.hi << 31)) >>> 0, hi: v.hi >>> 1 });
  return v.lo & 1 ? -half - 1 : half;
}

/** The IEEE 754 value whose bits these are (fixed64 double / fixed32 float). */
export function float64(v: U64): number {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(v.lo, 0);
  b.writeUInt32LE(v.hi, 4);
  return b.readDoubleLE(0);
}

export function float32(v: U64): number {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v.lo, 0);
  return b.readFloatLE(0);
}
