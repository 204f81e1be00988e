import type Docker from 'dockerode';
import { PassThrough, Transform, type Duplex, type TransformCallback } from 'node:stream';
import type { Clock } from '../../util/clock.js';
import type { AttachOptions, ExecOptions, ExecProcess } from './types.js';

/**
 * Splits Docker's multiplexed stream (8-byte frame headers: stream type, 3 zero bytes, big-endian
 * length) into stdout and stderr. Frames may arrive cut anywhere. When an exec cannot start (no
 * such executable), the engine writes its error as plain text instead of frames: anything that is
 * not a frame header is passed on as text to stderr (or stdout), so the user sees why.
 */
export class DockerStreamSplitter extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private raw = false;

  constructor(
    private readonly stdout: PassThrough | undefined,
    private readonly stderr: PassThrough | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (!this.raw && this.pending.length >= 4) {
      if ((this.pending[0] as number) > 2 || this.pending.readUIntBE(1, 3) !== 0) {
        this.raw = true;
        break;
      }
      if (this.pending.length < 8) break;
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const payload = Buffer.from(this.pending.subarray(8, 8 + size));
      this.pending = this.pending.subarray(8 + size);
      const to = type === 2 ? this.stderr : this.stdout;
      if (to && !to.writableEnded) to.write(payload);
    }
    const rawTo = this.stderr ?? this.stdout;
    if (this.raw && this.pending.length && rawTo && !rawTo.writableEnded) {
      rawTo.write(Buffer.from(this.pending));
      this.pending = Buffer.alloc(0);
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.stdout?.end();
    this.stderr?.end();
    done();
  }
}

/** Wires a hijacked Docker connection to an ExecProcess's streams. */
function wire(sock: Duplex, wantStdin: boolean, stdout: boolean, stderr: boolean, tty: boolean) {
  const out = stdout ? new PassThrough() : undefined;
  const err = stderr && !tty ? new PassThrough() : undefined;
  if (tty) {
    if (out) sock.pipe(out);
    else sock.resume();
  } else {
    sock.pipe(new DockerStreamSplitter(out, err)).resume();
  }
  // Our half-close of the hijacked connection is how Docker learns stdin's EOF.
  const stdin = wantStdin ? new PassThrough() : undefined;
  stdin?.pipe(sock);
  // A connection that dies mid-stream still ends the outputs (nothing more can arrive).
  const endAll = () => {
    sock.unpipe();
    for (const s of [out, err]) if (s && !s.writableEnded) s.end();
  };
  sock.on('error', endAll);
  sock.on('close', endAll);
  const ended = Promise.all([out, err].filter((s): s is PassThrough => !!s).map((s) => new Promise<void>((r) => (s.readableEnded || s.destroyed ? r() : s.on('end', r).on('close', r)))));
  return { stdin, stdout: out, stderr: err, ended };
}

/** `docker exec`: creates the exec, starts it hijacked, and reads its exit code from inspect. */
export async function dockerExec(docker: Docker, clock: Clock, id: string, o: ExecOptions): Promise<ExecProcess> {
  const c = docker.getContainer(id);
  const ex = await c.exec({ Cmd: o.cmd, AttachStdin: o.stdin, AttachStdout: o.stdout, AttachStderr: o.stderr, Tty: o.tty });
  const sock = (await ex.start({ hijack: true, stdin: o.stdin, Tty: o.tty })) as Duplex;
  const w = wire(sock, o.stdin, o.stdout, o.stderr, o.tty);
  let closed = false;
  const sockDone = new Promise<void>((r) => {
    sock.on('end', r);
    sock.on('close', r);
  });
  return {
    ...(w.stdin ? { stdin: w.stdin } : {}),
    ...(w.stdout ? { stdout: w.stdout } : {}),
    ...(w.stderr ? { stderr: w.stderr } : {}),
    async resize(width, height) {
      if (!o.tty || closed) return;
      await ex.resize({ w: Math.max(1, Math.round(width)), h: Math.max(1, Math.round(height)) });
    },
    async wait() {
      await sockDone;
      await w.ended;
      // The stream can close a moment before the engine records the exit code.
      for (let i = 0; i < 100; i++) {
        const info = await ex.inspect();
        if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
        await new Promise<void>((r) => clock.setTimeout(r, 50));
      }
      throw new Error('the exec did not report an exit code');
    },
    close() {
      closed = true;
      sock.destroy();
    },
  };
}

/** `docker attach` to the main process; `wait()` is the container's exit code. */
export async function dockerAttach(docker: Docker, id: string, o: AttachOptions): Promise<ExecProcess> {
  const c = docker.getContainer(id);
  const info = await c.inspect();
  if (!info.State.Running) throw new Error(`container ${id.slice(0, 12)} is not running`);
  const tty = !!info.Config.Tty;
  const stdin = o.stdin && !!info.Config.OpenStdin;
  const sock = (await c.attach({ stream: true, stdin, stdout: o.stdout, stderr: o.stderr, hijack: true })) as Duplex;
  const w = wire(sock, stdin, o.stdout, o.stderr, tty);
  return {
    ...(w.stdin ? { stdin: w.stdin } : {}),
    ...(w.stdout ? { stdout: w.stdout } : {}),
    ...(w.stderr ? { stderr: w.stderr } : {}),
    async resize(width, height) {
      if (tty) await c.resize({ w: Math.max(1, Math.round(width)), h: Math.max(1, Math.round(height)) });
    },
    async wait() {
      await w.ended;
      const r = (await c.wait()) as { StatusCode?: number };
      return r.StatusCode ?? 0;
    },
    close() {
      sock.destroy();
    },
  };
}
