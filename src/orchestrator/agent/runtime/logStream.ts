import { Transform, type TransformCallback } from 'node:stream';

/**
 * Strips Docker's multiplexing headers from a non-TTY container's attach/log stream: each frame is
 * `[stream(1) 0 0 0 size(4, big-endian)]` then `size` bytes (stream 1 = stdout, 2 = stderr). Output
 * is the payloads in order, stdout and stderr merged, as `kubectl logs` shows them. Frames may be
 * split across chunks arbitrarily.
 */
export class DockerLogDemuxer extends Transform {
  private pending: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      if (size > 0) this.push(buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
    this.pending = Buffer.from(buf);
    done();
  }

  override _flush(done: TransformCallback): void {
    // A truncated last frame: hand over what arrived rather than drop it.
    if (this.pending.length > 8) this.push(this.pending.subarray(8));
    done();
  }
}

/** Builds one frame, as the engine would (for tests and the fake runtime). */
export function dockerFrame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(8);
  head.writeUInt8(stream, 0);
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}
