import type { Readable, Writable } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../util/logger.js';

/**
 * A process on the far side of a channel session (client-go's remotecommand): a container's exec or
 * attach (the agent runtime's `ExecProcess`), or a shell on a host (the host controller's SSH pty).
 */
export interface ChannelProcess {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  /** Resizes the pseudo-terminal (characters); a no-op without one. */
  resize(width: number, height: number): Promise<void>;
  wait(): Promise<number>;
  close(): void;
}

/**
 * The Kubernetes "channel" WebSocket protocol for exec and attach, as kubectl (v5) and the JS
 * client (v5 or v4) speak it. Every binary message starts with a channel byte:
 * 0 stdin, 1 stdout, 2 stderr, 3 error (one final metav1.Status as JSON), 4 resize
 * (`{"Width":W,"Height":H}`), and in v5 only 255 close (`[255, channel]`: the client will send
 * nothing more on that channel; `[255, 0]` is stdin's EOF).
 */
export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Past this many bytes queued on the WebSocket, the process's output is paused until it drains. */
const HIGH_WATER = 1 << 20;

/** The first protocol of `supported` the client offered (server preference, as the kubelet). */
export function pickProtocol(offered: string | undefined, supported: readonly string[]): string | undefined {
  const list = (offered ?? '').split(',').map((s) => s.trim());
  return supported.find((p) => list.includes(p));
}

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}


export interface ChannelSessionOptions extends StreamOptions {
  kind: 'exec' | 'attach';
  /** For the failure message of a non-zero exit. */
  command: string[];
  /** Starts the process; called once the WebSocket is open. */
  start(): Promise<ChannelProcess>;
  log: Logger;
}

/** The Status sent on channel 3 when the process ends. kubectl exits with the ExitCode cause's number. */
export function exitStatus(kind: 'exec' | 'attach', code: number, command: string[]): Record<string, unknown> {
  if (code === 0 || kind === 'attach') return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function internalError(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

/**
 * Stops reading from the WebSocket until `target` drains, or can take no more (it ended or
 * closed: a 'drain' never comes after `end()`), so a slow consumer applies backpressure.
 */
export function holdUntilDrained(ws: WebSocket, target: NodeJS.WritableStream & { once(e: string, f: () => void): unknown; off(e: string, f: () => void): unknown }): void {
  if (ws.isPaused) return;
  ws.pause();
  const events = ['drain', 'finish', 'close', 'error'];
  const resume = () => {
    for (const e of events) target.off(e, resume);
    ws.resume();
  };
  for (const e of events) target.once(e, resume);
}

export function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Runs one exec/attach session over an open WebSocket: starts the process, relays the channels,
 * and ends with the Status on channel 3 and a normal close. Output always precedes the Status.
 * The client leaving early abandons the process's streams (`ChannelProcess.close`).
 */
export function serveChannelSession(ws: WebSocket, o: ChannelSessionOptions): void {
  const v5 = ws.protocol === CHANNEL_PROTOCOLS[0];
  let proc: ChannelProcess | undefined;
  let early: Buffer[] | undefined = [];
  let gone = false;

  const send = (channel: number, data: Buffer, cb?: () => void) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true }, () => cb?.());
  };

  const input = (m: Buffer) => {
    const p = proc as ChannelProcess;
    const ch = m[0];
    const body = m.subarray(1);
    if (ch === Channel.stdin) {
      const stdin = p.stdin;
      // A process that reads slowly holds the client back rather than filling memory.
      if (body.length && stdin?.writable && !stdin.write(body)) holdUntilDrained(ws, stdin);
    } else if (ch === Channel.resize) {
      let size: { Width?: unknown; Height?: unknown };
      try {
        size = JSON.parse(body.toString('utf8')) as typeof size;
      } catch {
        return;
      }
      if (typeof size.Width === 'number' && typeof size.Height === 'number') {
        p.resize(size.Width, size.Height).catch((e: unknown) => o.log.debug('resize failed', { error: String(e) }));
      }
    } else if (ch === Channel.close && v5 && body[0] === Channel.stdin) {
      p.stdin?.end();
    }
  };

  ws.on('message', (data) => {
    const m = rawToBuffer(data);
    if (m.length === 0) return;
    if (early) early.push(m);
    else if (proc) input(m);
  });
  ws.on('close', () => {
    gone = true;
    proc?.close();
    // Output paused for backpressure would otherwise never end, and wait() with it.
    proc?.stdout?.resume();
    proc?.stderr?.resume();
  });
  ws.on('error', (e) => o.log.debug('exec websocket error', { error: e.message }));

  const pump = (stream: NodeJS.ReadableStream | undefined, channel: number) => {
    stream?.on('data', (chunk: Buffer) => {
      send(channel, chunk, () => {
        if (stream.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) stream.resume();
      });
      if (ws.bufferedAmount > HIGH_WATER) stream.pause();
    });
  };

  void (async () => {
    try {
      proc = await o.start();
    } catch (e) {
      early = undefined;
      send(Channel.error, Buffer.from(JSON.stringify(internalError(`error executing command in container: ${e instanceof Error ? e.message : String(e)}`))));
      ws.close(1000);
      return;
    }
    if (gone) return proc.close();
    pump(proc.stdout, Channel.stdout);
    pump(proc.stderr, Channel.stderr);
    for (const m of early ?? []) input(m);
    early = undefined;
    let status: Record<string, unknown>;
    try {
      status = exitStatus(o.kind, await proc.wait(), o.command);
    } catch (e) {
      status = internalError(e instanceof Error ? e.message : String(e));
    }
    send(Channel.error, Buffer.from(JSON.stringify(status)));
    // The close handshake needs the client's close frame read.
    ws.resume();
    if (ws.readyState === ws.OPEN) ws.close(1000);
  })();
}
