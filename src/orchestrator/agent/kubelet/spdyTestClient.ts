import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import { constants as zc, createDeflate } from 'node:zlib';
import {
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FrameReader,
  HeaderDecompressor,
  parseControl,
  pingFrame,
  rstStreamFrame,
  SPDY_DICTIONARY,
  synStreamFrame,
  type SpdyHeaders,
} from './spdy.js';

/** What the test client saw of one stream. */
export interface ClientStream {
  replied: boolean;
  replyHeaders?: SpdyHeaders;
  data: Buffer[];
  fin: boolean;
  reset?: number;
}

/**
 * Test helper: the client side of a SPDY/3.1 session as moby/spdystream behaves (odd stream ids,
 * one zlib context with the dictionary and a sync flush per header block). Not used by the agent.
 */
export class SpdyTestClient {
  readonly streams = new Map<number, ClientStream>();
  readonly pings: number[] = [];
  goAway: { lastGoodStreamId: number; status: number } | undefined;
  /** The first protocol error the client hit (surfaced by `until`). */
  error: Error | undefined;
  private nextId = 1;
  private readonly reader = new FrameReader();
  private readonly inflater = new HeaderDecompressor();
  private chain: Promise<void> = Promise.resolve();
  private readonly deflate = createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
  private readonly deflated: Buffer[] = [];
  private deflateChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly send: (bytes: Buffer) => void) {
    this.deflate.on('data', (c: Buffer) => this.deflated.push(c));
  }

  private compress(raw: Buffer): Promise<Buffer> {
    const p = this.deflateChain.then(async () => {
      this.deflate.write(raw);
      await new Promise<void>((r) => this.deflate.flush(zc.Z_SYNC_FLUSH, () => r()));
      await new Promise((r) => setImmediate(r));
      return Buffer.concat(this.deflated.splice(0));
    });
    this.deflateChain = p;
    return p;
  }

  /** Opens a stream (SYN_STREAM) and returns its id. */
  async open(headers: Record<string, string>, fin = false): Promise<number> {
    const id = this.nextId;
    this.nextId += 2;
    this.streams.set(id, { replied: false, data: [], fin: false });
    this.send(synStreamFrame(id, await this.compress(encodeHeaderBlock(headers)), fin ? FLAG_FIN : 0));
    return id;
  }

  write(id: number, data: Buffer, fin = false): void {
    this.send(dataFrame(id, data, fin));
  }

  reset(id: number, status = 5): void {
    this.send(rstStreamFrame(id, status));
  }

  ping(id: number): void {
    this.send(pingFrame(id));
  }

  stream(id: number): ClientStream {
    const s = this.streams.get(id);
    if (!s) throw new Error(`no stream ${id}`);
    return s;
  }

  text(id: number): string {
    return Buffer.concat(this.stream(id).data).toString();
  }

  receive(bytes: Buffer): void {
    if (this.closed) return;
    for (const f of this.reader.push(bytes)) {
      this.chain = this.chain.then(async () => {
        if (this.closed) return;
        if (!f.control) {
          const s = this.streams.get(f.streamId);
          if (!s) return;
          if (!s.replied) throw new Error(`data on stream ${f.streamId} before its SYN_REPLY`);
          if (f.data.length) s.data.push(f.data);
          if (f.flags & FLAG_FIN) s.fin = true;
          return;
        }
        const c = parseControl(f);
        if (c.type === 'syn_reply') {
          const s = this.stream(c.streamId);
          s.replied = true;
          s.replyHeaders = decodeHeaderBlock(await this.inflater.decompress(c.headerBlock));
          if (f.flags & FLAG_FIN) s.fin = true;
        } else if (c.type === 'rst_stream') {
          const s = this.streams.get(c.streamId);
          if (s) s.reset = c.status;
        } else if (c.type === 'ping') {
          this.pings.push(c.id);
        } else if (c.type === 'goaway') {
          this.goAway = { lastGoodStreamId: c.lastGoodStreamId, status: c.status };
        }
      }).catch((e: unknown) => {
        if (!this.closed) this.error ??= e instanceof Error ? e : new Error(String(e));
      });
    }
  }

  /** Resolves once `cond` holds (checked every 5 ms), or rejects after `ms`. */
  async until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      await this.chain;
      if (this.error) throw this.error;
      if (cond()) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private closed = false;

  close(): void {
    this.closed = true;
    this.inflater.close();
    this.deflate.destroy();
  }
}

/**
 * Test helper: a bare WebSocket client for the SPDY tunnel (the `ws` client refuses the
 * `SPDY/3.1+portforward.k8s.io` token, as it refuses any subprotocol with a `/`). Binary frames
 * only, masked as a client must; answers pings.
 */
export function dialSpdyTunnel(o: { host: string; port: number; path: string; headers?: Record<string, string> }): Promise<{
  protocol: string | undefined;
  client: SpdyTestClient;
  socket: Duplex;
  closed: Promise<void>;
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: o.host,
      port: o.port,
      path: o.path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io',
        ...o.headers,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body.trim()}`), { status: res.statusCode, body })));
    });
    req.on('error', reject);
    req.on('upgrade', (res, socket: Duplex, head: Buffer) => {
      const sendFrame = (opcode: number, payload: Buffer) => {
        const mask = randomBytes(4);
        const len = payload.length;
        const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
        if (len >= 126 && len < 65536) {
          head[0] = 0x80 | opcode;
          head[1] = 0x80 | 126;
          head.writeUInt16BE(len, 2);
        } else if (len >= 65536) {
          head[0] = 0x80 | opcode;
          head[1] = 0x80 | 127;
          head.writeBigUInt64BE(BigInt(len), 2);
        }
        const masked = Buffer.from(payload);
        for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] as number) ^ (mask[i % 4] as number);
        socket.write(Buffer.concat([head, mask, masked]));
      };
      const client = new SpdyTestClient((b) => sendFrame(0x2, b));
      let buf: Buffer = head;
      const onBytes = (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        for (;;) {
          if (buf.length < 2) return;
          const opcode = (buf[0] as number) & 0x0f;
          let len = (buf[1] as number) & 0x7f;
          let off = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            off = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
          }
          if (buf.length < off + len) return;
          const payload = buf.subarray(off, off + len);
          buf = buf.subarray(off + len);
          if (opcode === 0x2 || opcode === 0x0) client.receive(Buffer.from(payload));
          else if (opcode === 0x9) sendFrame(0xa, Buffer.from(payload));
          else if (opcode === 0x8) socket.end();
        }
      };
      socket.on('data', onBytes);
      if (head.length) onBytes(Buffer.alloc(0));
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      const p = res.headers['sec-websocket-protocol'];
      resolve({ protocol: Array.isArray(p) ? p[0] : p, client, socket, closed });
    });
    req.end();
  });
}
