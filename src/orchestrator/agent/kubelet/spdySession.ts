import { EventEmitter } from 'node:events';
import type { Logger } from '../../util/logger.js';
import {
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameReader,
  GoAwayStatus,
  goAwayFrame,
  HeaderCompressor,
  HeaderDecompressor,
  parseControl,
  pingFrame,
  RstStatus,
  rstStreamFrame,
  SPDY_VERSION,
  synReplyFrame,
  type Frame,
  type SpdyHeaders,
} from './spdy.js';

/** Where the session's bytes go: a WebSocket, a socket, or a test's buffer. */
export interface SpdyTransport {
  write(bytes: Buffer): void;
  close(): void;
}

/** Data frames we send are cut to this size (spdystream reads them whole). */
const MAX_DATA_FRAME = 32 * 1024;

/**
 * One stream the peer opened. Events: `data` (Buffer), `end` (the peer finished sending), `reset`
 * (the peer or the session aborted it), `close` (both sides done, or reset).
 */
export class SpdyStream extends EventEmitter {
  private localFin = false;
  private remoteFin = false;
  private wasReset = false;
  private closed = false;

  constructor(
    readonly id: number,
    readonly headers: SpdyHeaders,
    private readonly session: SpdyServerSession,
  ) {
    super();
  }

  /** The first value of a header, or undefined. */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  get writable(): boolean {
    return !this.localFin && !this.wasReset && this.session.open;
  }

  write(data: Buffer): void {
    if (!this.writable) return;
    for (let off = 0; off < data.length; off += MAX_DATA_FRAME) this.session.send(dataFrame(this.id, data.subarray(off, off + MAX_DATA_FRAME)));
  }

  /** Half-closes our side (an empty DATA frame with FIN). Idempotent. */
  end(): void {
    if (!this.writable) return;
    this.localFin = true;
    this.session.send(dataFrame(this.id, Buffer.alloc(0), true));
    this.maybeClose();
  }

  /** Aborts the stream both ways (RST_STREAM). Idempotent. */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.wasReset || this.closed) return;
    if (this.session.open) this.session.send(rstStreamFrame(this.id, status));
    this.onReset();
  }

  /** @internal */
  onData(data: Buffer, fin: boolean): void {
    if (this.remoteFin || this.wasReset) return;
    if (data.length) this.emit('data', data);
    if (fin) this.onRemoteFin();
  }

  /** @internal */
  onRemoteFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.emit('end');
    this.maybeClose();
  }

  /** @internal */
  onReset(): void {
    if (this.wasReset || this.closed) return;
    this.wasReset = true;
    this.emit('reset');
    this.finish();
  }

  private maybeClose(): void {
    if (this.localFin && this.remoteFin) this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.forget(this.id);
    this.emit('close');
  }
}

export interface SpdyServerSessionOptions {
  transport: SpdyTransport;
  /** Called for each stream the peer opens, after our SYN_REPLY went out. */
  onStream(stream: SpdyStream): void;
  log: Logger;
}

/**
 * The server side of a SPDY/3.1 session as Kubernetes uses it: the client opens every stream
 * (odd ids, increasing); we answer each SYN_STREAM with a SYN_REPLY at once (the client waits for
 * it before sending data), echo the client's PINGs, and honour RST_STREAM and GOAWAY. Flow
 * control is not enforced: spdystream neither sends nor honours WINDOW_UPDATE, so we ignore
 * SETTINGS and WINDOW_UPDATE and never send them. Frames are handled strictly in order (header
 * decompression is asynchronous, so they go through one promise chain).
 */
export class SpdyServerSession {
  private readonly reader = new FrameReader();
  private readonly inflater = new HeaderDecompressor();
  private readonly deflater = new HeaderCompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private chain: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;

  constructor(private readonly o: SpdyServerSessionOptions) {}

  get open(): boolean {
    return !this.closed;
  }

  /** Bytes from the transport. */
  receive(bytes: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.reader.push(bytes);
    } catch (e) {
      return this.fail(e);
    }
    for (const f of frames) {
      this.chain = this.chain.then(() => (this.closed ? undefined : this.handle(f))).catch((e: unknown) => this.fail(e));
    }
  }

  /** The transport is gone: every stream is reset. */
  transportClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.teardown();
  }

  /** Ends the session politely (GOAWAY) and closes the transport. */
  close(): void {
    if (this.closed) return;
    this.o.transport.write(goAwayFrame(this.lastStreamId, GoAwayStatus.OK));
    this.closed = true;
    this.teardown();
    this.o.transport.close();
  }

  /** @internal */
  send(frame: Buffer): void {
    if (!this.closed) this.o.transport.write(frame);
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  get streamCount(): number {
    return this.streams.size;
  }

  private async handle(f: Frame): Promise<void> {
    if (!f.control) {
      const s = this.streams.get(f.streamId);
      // Data for a stream that is gone (reset by us, or finished) is dropped, as spdystream does.
      if (s) s.onData(f.data, (f.flags & FLAG_FIN) !== 0);
      return;
    }
    if (f.version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${f.version}`);
    const c = parseControl(f);
    switch (c.type) {
      case 'syn_stream': {
        const headers = decodeHeaderBlock(await this.inflater.decompress(c.headerBlock));
        if (c.streamId % 2 === 0 || c.streamId <= this.lastStreamId) {
          this.send(rstStreamFrame(c.streamId, RstStatus.PROTOCOL_ERROR));
          return;
        }
        this.lastStreamId = c.streamId;
        const s = new SpdyStream(c.streamId, headers, this);
        this.streams.set(c.streamId, s);
        this.send(synReplyFrame(c.streamId, this.deflater.compress(encodeHeaderBlock({}))));
        this.o.onStream(s);
        if (f.flags & (FLAG_FIN | FLAG_UNIDIRECTIONAL)) s.onRemoteFin();
        return;
      }
      case 'headers':
      case 'syn_reply':
        // Still decompressed: the shared inflate context must see every header block.
        await this.inflater.decompress(c.headerBlock);
        if (c.type === 'headers' && f.flags & FLAG_FIN) this.streams.get(c.streamId)?.onRemoteFin();
        return;
      case 'rst_stream':
        this.streams.get(c.streamId)?.onReset();
        return;
      case 'ping':
        // Client pings are odd; an even id would be the answer to one of ours (we send none).
        if (c.id % 2 === 1) this.send(pingFrame(c.id));
        return;
      case 'goaway':
        this.o.log.debug('SPDY peer sent GOAWAY', { lastGoodStreamId: c.lastGoodStreamId, status: c.status });
        this.close();
        return;
      default:
        return; // settings, window_update, unknown: nothing to do (see the class comment)
    }
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    this.o.log.warn('SPDY session failed', { error: e instanceof Error ? e.message : String(e) });
    this.o.transport.write(goAwayFrame(this.lastStreamId, GoAwayStatus.PROTOCOL_ERROR));
    this.closed = true;
    this.teardown();
    this.o.transport.close();
  }

  private teardown(): void {
    for (const s of [...this.streams.values()]) s.onReset();
    this.streams.clear();
    this.inflater.close();
  }
}
