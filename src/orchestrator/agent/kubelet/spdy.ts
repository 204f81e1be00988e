import { constants as zc, createInflate, type Inflate } from 'node:zlib';

/**
 * SPDY/3.1 framing, as far as Kubernetes port-forwarding needs it (moby/spdystream is the peer:
 * kubectl tunnels a SPDY session inside a WebSocket). Frames are big-endian:
 * - control: `1 | version(15) | type(16)`, `flags(8) | length(24)`, payload
 * - data: `0 | streamId(31)`, `flags(8) | length(24)`, payload
 * Header blocks are zlib streams primed with the SPDY/3 dictionary, one compression context per
 * direction for the whole session.
 */

export const SPDY_VERSION = 3;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** The largest payload a frame's 24-bit length can carry. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export type Frame =
  | { control: false; streamId: number; flags: number; data: Buffer }
  | { control: true; version: number; type: number; flags: number; payload: Buffer };

/** The SPDY/3 header dictionary (spec section 2.6.10.1): length-prefixed words, then a raw tail. */
export const SPDY_DICTIONARY: Buffer = (() => {
  const words =
    'options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age allow ' +
    'authorization cache-control connection content-base content-encoding content-language content-length ' +
    'content-location content-md5 content-range content-type date etag expect expires from host if-match ' +
    'if-modified-since if-none-match if-range if-unmodified-since last-modified location max-forwards pragma ' +
    'proxy-authenticate proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade ' +
    'user-agent vary via warning www-authenticate method get status 200_OK version HTTP/1.1 url public set-cookie ' +
    'keep-alive origin';
  const tail =
    '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
    '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
    '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
    'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
    'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
    'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';
  const parts: Buffer[] = [];
  for (const w of words.split(' ').map((x) => x.replace('_', ' '))) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    parts.push(len, Buffer.from(w, 'latin1'));
  }
  parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
})();

export function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < buf.length; i++) {
    a = (a + (buf[i] as number)) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Splits a byte stream into frames; keeps a partial frame until the rest arrives. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + length) break;
      const first = this.buf.readUInt32BE(0);
      const flags = this.buf[4] as number;
      const body = Buffer.from(this.buf.subarray(8, 8 + length));
      if (first & 0x80000000) out.push({ control: true, version: (first >>> 16) & 0x7fff, type: first & 0xffff, flags, payload: body });
      else out.push({ control: false, streamId: first & 0x7fffffff, flags, data: body });
      this.buf = this.buf.subarray(8 + length);
    }
    return out;
  }
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new Error('SPDY frame too large');
  const head = Buffer.alloc(8);
  head.writeUInt32BE((0x80000000 | (SPDY_VERSION << 16) | type) >>> 0, 0);
  head.writeUInt32BE(((flags << 24) | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

export function dataFrame(streamId: number, data: Buffer, fin = false): Buffer {
  if (data.length > MAX_FRAME_PAYLOAD) throw new Error('SPDY frame too large');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE((((fin ? FLAG_FIN : 0) << 24) | data.length) >>> 0, 4);
  return Buffer.concat([head, data]);
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

export function synStreamFrame(streamId: number, compressedHeaders: Buffer, flags = 0, associatedTo = 0, priority = 0): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt32BE(streamId & 0x7fffffff, 0);
  fixed.writeUInt32BE(associatedTo & 0x7fffffff, 4);
  fixed[8] = (priority & 0x7) << 5;
  return controlFrame(FrameType.SYN_STREAM, flags, Buffer.concat([fixed, compressedHeaders]));
}

export function synReplyFrame(streamId: number, compressedHeaders: Buffer, flags = 0): Buffer {
  return controlFrame(FrameType.SYN_REPLY, flags, Buffer.concat([u32s(streamId & 0x7fffffff), compressedHeaders]));
}

export const rstStreamFrame = (streamId: number, status: number): Buffer => controlFrame(FrameType.RST_STREAM, 0, u32s(streamId & 0x7fffffff, status));
export const pingFrame = (id: number): Buffer => controlFrame(FrameType.PING, 0, u32s(id));
export const goAwayFrame = (lastGoodStreamId: number, status: number): Buffer => controlFrame(FrameType.GOAWAY, 0, u32s(lastGoodStreamId & 0x7fffffff, status));
export const windowUpdateFrame = (streamId: number, delta: number): Buffer => controlFrame(FrameType.WINDOW_UPDATE, 0, u32s(streamId & 0x7fffffff, delta & 0x7fffffff));

/** The fixed fields of a control frame's payload, per type; the header block is left compressed. */
export function parseControl(f: Extract<Frame, { control: true }>):
  | { type: 'syn_stream'; streamId: number; associatedTo: number; priority: number; headerBlock: Buffer }
  | { type: 'syn_reply' | 'headers'; streamId: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'settings'; entries: { flags: number; id: number; value: number }[] }
  | { type: 'unknown'; kind: number } {
  const p = f.payload;
  const need = (n: number) => {
    if (p.length < n) throw new Error(`SPDY control frame type ${f.type} too short (${p.length} bytes)`);
  };
  switch (f.type) {
    case FrameType.SYN_STREAM:
      need(10);
      return { type: 'syn_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, associatedTo: p.readUInt32BE(4) & 0x7fffffff, priority: (p[8] as number) >> 5, headerBlock: p.subarray(10) };
    case FrameType.SYN_REPLY:
    case FrameType.HEADERS:
      need(4);
      return { type: f.type === FrameType.SYN_REPLY ? 'syn_reply' : 'headers', streamId: p.readUInt32BE(0) & 0x7fffffff, headerBlock: p.subarray(4) };
    case FrameType.RST_STREAM:
      need(8);
      return { type: 'rst_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
    case FrameType.PING:
      need(4);
      return { type: 'ping', id: p.readUInt32BE(0) };
    case FrameType.GOAWAY:
      need(8);
      return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
    case FrameType.WINDOW_UPDATE:
      need(8);
      return { type: 'window_update', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
    case FrameType.SETTINGS: {
      need(4);
      const n = p.readUInt32BE(0);
      need(4 + n * 8);
      const entries = [];
      for (let i = 0; i < n; i++) {
        const w = p.readUInt32BE(4 + i * 8);
        entries.push({ flags: w >>> 24, id: w & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', entries };
    }
    default:
      return { type: 'unknown', kind: f.type };
  }
}

/** Name/value pairs of a header block. Names are lowercase; several values of one name travel NUL-separated. */
export type SpdyHeaders = Map<string, string[]>;

export function encodeHeaderBlock(headers: Record<string, string | string[]>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32s(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(Array.isArray(value) ? value.join('\0') : value, 'utf8');
    parts.push(u32s(n.length), n, u32s(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(raw: Buffer): SpdyHeaders {
  let off = 0;
  const take = (n: number): Buffer => {
    if (off + n > raw.length) throw new Error('truncated SPDY header block');
    const b = raw.subarray(off, off + n);
    off += n;
    return b;
  };
  const count = take(4).readUInt32BE(0);
  const out: SpdyHeaders = new Map();
  for (let i = 0; i < count; i++) {
    const name = take(take(4).readUInt32BE(0)).toString('utf8').toLowerCase();
    const value = take(take(4).readUInt32BE(0)).toString('utf8');
    out.set(name, [...(out.get(name) ?? []), ...value.split('\0')]);
  }
  return out;
}

/**
 * Header compression for the frames we send. It emits a valid zlib stream (with the dictionary's
 * id, as the peer's `zlib.NewReaderDict` checks) made only of stored deflate blocks, so no
 * compressor state is needed. Each header block ends as a sync flush does, with an empty stored
 * block (`00 00 00 ff ff`): Go's inflater hands data back only when a block boundary flushes it,
 * and without that marker it reads on past the frame, fails, and keeps failing.
 */
const SYNC_FLUSH_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

export class HeaderCompressor {
  private started = false;

  compress(raw: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32 KiB window), FLG 0xF9 (FDICT set; 0x78F9 % 31 == 0), then the dictionary id.
      parts.push(Buffer.from([0x78, 0xf9]), u32s(adler32(SPDY_DICTIONARY)));
    }
    for (let off = 0; off < raw.length || off === 0; off += 0xffff) {
      const chunk = raw.subarray(off, off + 0xffff);
      const head = Buffer.alloc(5);
      head[0] = 0x00; // BFINAL=0, BTYPE=00 (stored)
      head.writeUInt16LE(chunk.length, 1);
      head.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(head, chunk);
      if (raw.length === 0) break;
    }
    parts.push(SYNC_FLUSH_MARKER);
    return Buffer.concat(parts);
  }
}

/**
 * Header decompression for the frames we receive: one inflate context for the session, fed one
 * header block at a time with a sync flush. Calls must not overlap (the session serializes them).
 */
export class HeaderDecompressor {
  // zlib streams accept stream options (the typings omit them): a large readable buffer lets a whole
  // header block sit there until the flush callback reads it, instead of stalling the inflater.
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY_DICTIONARY, ...({ readableHighWaterMark: 1 << 20 } as object) });
  private failure: Error | undefined;

  constructor() {
    this.inflate.on('error', (e) => (this.failure = e));
  }

  decompress(block: Buffer): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.inflate.once('error', onError);
      this.inflate.write(block);
      this.inflate.flush(zc.Z_SYNC_FLUSH, () => {
        this.inflate.off('error', onError);
        if (this.failure) return reject(this.failure);
        const parts: Buffer[] = [];
        let c: Buffer | null;
        while ((c = this.inflate.read() as Buffer | null) !== null) parts.push(c);
        resolve(Buffer.concat(parts));
      });
    });
  }

  close(): void {
    this.failure ??= new Error('the SPDY header decompressor is closed');
    this.inflate.destroy();
  }
}
