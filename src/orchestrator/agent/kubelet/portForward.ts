import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { holdUntilDrained, rawToBuffer } from '../../client/remotecommand.js';
import { RstStatus } from './spdy.js';
import { SpdyServerSession, type SpdyStream, type SpdyTransport } from './spdySession.js';

/** kubectl (1.30+): a SPDY/3.1 session tunnelled through the WebSocket's binary messages. */
export const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
/** The JS client: channels 2i (data) and 2i+1 (error) for the i-th `ports` entry. */
export const PORT_FORWARD_CHANNEL_PROTOCOLS = ['v4.channel.k8s.io'] as const;

/** Pod-side bytes queued on the WebSocket past this pause the pod connections until it drains. */
const HIGH_WATER = 1 << 20;
/** How long the data and error streams of one request may arrive apart (the kubelet's default). */
const STREAM_PAIR_TIMEOUT_MS = 30_000;

/** The pod being forwarded to, and how to reach one of its ports. */
export interface PortForwardTarget {
  namespace: string;
  podName: string;
  uid: string;
  dial(port: number): Promise<Duplex>;
}

/** Sends through the WebSocket, counting the bytes not yet written so producers can wait. */
class WsTransport implements SpdyTransport {
  private waiting: (() => void)[] = [];

  constructor(private readonly ws: WebSocket) {}

  write(bytes: Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(bytes, { binary: true }, () => {
      if (this.ws.bufferedAmount < HIGH_WATER / 2) for (const w of this.waiting.splice(0)) w();
    });
  }

  /** Runs `fn` once the queue is short again (at once if it is). */
  whenDrained(fn: () => void): void {
    if (this.ws.bufferedAmount < HIGH_WATER) fn();
    else this.waiting.push(fn);
  }

  get congested(): boolean {
    return this.ws.bufferedAmount > HIGH_WATER;
  }

  close(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
  }
}

function failureMessage(t: PortForwardTarget, port: number, e: unknown): string {
  return `error forwarding port ${port} to pod ${t.podName}, uid ${t.uid}: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * kubectl's port-forward: per local connection it opens an error stream and a data stream
 * (headers `streamtype`, `port`, `requestid`). Once both arrived we connect to the pod's port and
 * copy bytes; the pod closing its side ends the data stream and then the error stream (kubectl
 * waits for the latter's EOF). A failed connect is reported on the error stream, as the kubelet
 * does (kubectl then prints it and stops forwarding).
 */
export function servePortForwardSpdy(ws: WebSocket, target: PortForwardTarget, o: { clock: Clock; log: Logger }): void {
  const transport = new WsTransport(ws);
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; port: number; cancel: () => void }>();
  const sockets = new Set<Duplex>();

  const session = new SpdyServerSession({
    transport,
    log: o.log,
    onStream(s) {
      const type = s.header('streamtype');
      const port = Number(s.header('port'));
      const requestId = s.header('requestid');
      if ((type !== 'data' && type !== 'error') || !Number.isInteger(port) || port < 1 || port > 65535 || requestId === undefined) {
        o.log.debug('port-forward stream refused', { type, port: s.header('port'), requestId });
        s.reset(RstStatus.PROTOCOL_ERROR);
        return;
      }
      let p = pairs.get(requestId);
      if (!p) {
        const entry: { data?: SpdyStream; error?: SpdyStream; port: number; cancel: () => void } = {
          port,
          cancel: o.clock.setTimeout(() => {
            pairs.delete(requestId);
            entry.error?.write(Buffer.from(`timed out waiting for the data and error streams of request ${requestId}`));
            entry.error?.end();
            entry.data?.reset();
          }, STREAM_PAIR_TIMEOUT_MS),
        };
        p = entry;
        pairs.set(requestId, p);
      }
      if (p[type] || p.port !== port) {
        s.reset(RstStatus.PROTOCOL_ERROR);
        return;
      }
      p[type] = s;
      if (p.data && p.error) {
        p.cancel();
        pairs.delete(requestId);
        void forward(p.data, p.error, port);
      }
    },
  });

  async function forward(data: SpdyStream, error: SpdyStream, port: number): Promise<void> {
    let sock: Duplex;
    // What the client sends before the pod connection exists waits here.
    const early: Buffer[] = [];
    let clientDone = false;
    const onEarly = (c: Buffer) => early.push(c);
    const onEarlyEnd = () => (clientDone = true);
    data.on('data', onEarly);
    data.on('end', onEarlyEnd);
    try {
      sock = await target.dial(port);
    } catch (e) {
      o.log.debug('port-forward connect failed', { pod: `${target.namespace}/${target.podName}`, port, error: String(e) });
      error.write(Buffer.from(failureMessage(target, port, e)));
      error.end();
      data.end();
      return;
    }
    data.off('data', onEarly);
    data.off('end', onEarlyEnd);
    if (!session.open || !data.writable) {
      sock.destroy();
      error.end();
      return;
    }
    sockets.add(sock);
    for (const c of early) sock.write(c);
    if (clientDone) sock.end();
    data.on('data', (c: Buffer) => {
      // The whole session waits for a slow pod connection: spdystream has no per-stream flow control.
      if (!sock.write(c)) holdUntilDrained(ws, sock);
    });
    data.on('end', () => sock.end());
    data.on('reset', () => sock.destroy());
    sock.on('data', (c: Buffer) => {
      data.write(c);
      if (transport.congested) {
        sock.pause();
        transport.whenDrained(() => sock.resume());
      }
    });
    const finish = () => {
      data.end();
      error.end();
    };
    sock.on('end', finish);
    sock.on('error', (e) => o.log.debug('port-forward pod connection error', { port, error: e.message }));
    sock.on('close', () => {
      sockets.delete(sock);
      finish();
    });
  }

  ws.on('message', (m) => session.receive(rawToBuffer(m)));
  ws.on('close', () => {
    session.transportClosed();
    for (const p of pairs.values()) p.cancel();
    pairs.clear();
    for (const s of sockets) s.destroy();
  });
  ws.on('error', (e) => o.log.debug('port-forward websocket error', { error: e.message }));
}

/**
 * The JS client's port-forward: `?ports=80[&ports=..]`, one pod connection per port for the life
 * of the WebSocket. The first message on every channel carries the port (uint16 little-endian);
 * after that, channel 2i carries the data of port i and 2i+1 its errors. Either side ending ends
 * the session.
 */
export function servePortForwardChannels(ws: WebSocket, target: PortForwardTarget, ports: number[], o: { log: Logger }): void {
  const socks: (Duplex | undefined)[] = ports.map(() => undefined);
  const early: Buffer[][] = ports.map(() => []);
  let closed = false;
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  };
  const close = () => {
    if (closed) return;
    closed = true;
    for (const s of socks) s?.destroy();
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };

  ports.forEach((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
  });

  ws.on('message', (raw) => {
    const m = rawToBuffer(raw);
    const ch = m[0];
    if (ch === undefined || ch % 2 === 1) return;
    const i = ch / 2;
    if (i >= ports.length) return;
    const sock = socks[i];
    if (!sock) return void early[i]?.push(m.subarray(1));
    if (!sock.write(m.subarray(1))) holdUntilDrained(ws, sock);
  });
  ws.on('close', close);
  ws.on('error', (e) => o.log.debug('port-forward websocket error', { error: e.message }));

  ports.forEach((port, i) => {
    target.dial(port).then(
      (sock) => {
        if (closed) return void sock.destroy();
        socks[i] = sock;
        for (const c of early[i] ?? []) sock.write(c);
        early[i] = [];
        sock.on('data', (c: Buffer) => send(2 * i, c));
        sock.on('error', (e) => o.log.debug('port-forward pod connection error', { port, error: e.message }));
        sock.on('close', close);
      },
      (e: unknown) => {
        send(2 * i + 1, Buffer.from(failureMessage(target, port, e)));
        close();
      },
    );
  });
}
