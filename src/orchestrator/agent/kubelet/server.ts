import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Transform, type Duplex, type Readable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StatsSummary } from '../../api/metrics.js';
import { podContainerStatus, podContainers } from '../../api/podutil.js';
import type { Pod } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { BadRequestTarget, decodePathSegment, parseRequestTarget } from '../../util/requestTarget.js';
import { applyServerLimits } from '../../util/serverLimits.js';
import type { LogOptions, Runtime } from '../runtime/types.js';
import { CHANNEL_PROTOCOLS, pickProtocol, serveChannelSession } from '../../client/remotecommand.js';
import { parseStreamQuery } from './streamQuery.js';
import { HttpError } from './httpError.js';
import { PORT_FORWARD_CHANNEL_PROTOCOLS, servePortForwardChannels, servePortForwardSpdy, SPDY_TUNNEL_PROTOCOL, type PortForwardTarget } from './portForward.js';

export interface KubeletServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: the control plane reaches it through its SSH tunnel (or locally). */
  host?: string;
  /** The node's bearer token; every route but /healthz requires it. */
  token: string;
  pods: { getByName(namespace: string, name: string): Pod | undefined };
  runtime: Runtime;
  clock: Clock;
  log: Logger;
  /** Resource usage for `GET /stats/summary` (the control plane's metrics scraper); absent: 404. */
  stats?: { summary(): Promise<StatsSummary> };
  /** Opens a TCP connection to a pod's IP and port (port-forward); default: from this host, over the engine's bridge. */
  dialPod?: (ip: string, port: number) => Promise<Duplex>;
}

export interface KubeletServer {
  readonly port: number;
  close(): Promise<void>;
}


/**
 * The kubelet API: `GET /healthz`, `GET /stats/summary` (node and container usage, stats.ts) and `GET /containerLogs/{ns}/{pod}/{container}` with `follow`,
 * `tailLines`, `timestamps`, `previous`, `sinceSeconds`, `sinceTime`, `limitBytes`, streamed as text/plain (the
 * API server proxies `pods/log` here). Which run of a container is read follows the pod's reported
 * status, as Kubernetes does: `previous` is `lastState.terminated`, otherwise the current run (or the
 * last one, while it waits to restart). Errors are plain text: 401, 404 (no such pod), 400.
 *
 * WebSocket upgrades (the API server forwards `pods/exec|attach|portforward` here):
 * `/exec/{ns}/{pod}/{container}?command=..&stdin=&stdout=&stderr=&tty=` and
 * `/attach/{ns}/{pod}/{container}?...` speak `v5.channel.k8s.io` / `v4.channel.k8s.io` (exec.ts);
 * `/portForward/{ns}/{pod}` speaks `SPDY/3.1+portforward.k8s.io` (kubectl) or, with `?ports=`,
 * `v4.channel.k8s.io` (the JS client) (portForward.ts). SPDY upgrades are refused with a 400.
 */
export async function startKubeletServer(o: KubeletServerOptions): Promise<KubeletServer> {
  const want = digest(o.token);
  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      const code = statusOf(e);
      const msg = e instanceof Error ? e.message : String(e);
      if (code === 500) o.log.warn('kubelet API error', { url: req.url, error: msg });
      if (!res.headersSent) {
        res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(msg + '\n');
      } else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestTarget(req.url);
    if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    const auth = req.headers.authorization ?? '';
    const got = auth.startsWith('Bearer ') ? digest(auth.slice(7).trim()) : undefined;
    if (!got || !timingSafeEqual(got, want)) throw new HttpError(401, 'Unauthorized');
    if (url.pathname === '/stats/summary' && o.stats) {
      const body = JSON.stringify(await o.stats.summary());
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!m) throw new HttpError(404, `not found: ${url.pathname}`);
    const [ns, podName, container] = [m[1], m[2], m[3]].map((s) => decodePathSegment(s ?? ''));
    await serveLogs(res, ns ?? '', podName ?? '', container ?? '', url.query);
  }

  async function serveLogs(res: ServerResponse, ns: string, podName: string, container: string, q: URLSearchParams): Promise<void> {
    const pod = o.pods.getByName(ns, podName);
    if (!pod) throw new HttpError(404, `pod "${podName}" not found in namespace "${ns}"`);
    const id = pickContainer(pod, container, bool(q.get('previous')));
    const opts: LogOptions = { follow: bool(q.get('follow')), timestamps: bool(q.get('timestamps')) };
    const tail = int(q, 'tailLines');
    if (tail !== undefined) opts.tail = tail;
    const since = int(q, 'sinceSeconds');
    if (since !== undefined) opts.since = Math.floor(o.clock.now() / 1000) - since;
    const sinceTime = q.get('sinceTime');
    if (sinceTime !== null) {
      const at = sinceEpoch(sinceTime);
      if (at === undefined) throw new HttpError(400, `sinceTime: invalid RFC 3339 time "${sinceTime}"`);
      opts.since = at;
    }
    const limit = int(q, 'limitBytes');
    let stream: Readable;
    try {
      stream = await o.runtime.logs(id, opts);
    } catch (e) {
      throw new HttpError(400, `cannot read logs of container "${container}" in pod "${podName}": ${e instanceof Error ? e.message : String(e)}`);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const out = limit !== undefined ? stream.pipe(limitBytes(limit)) : stream;
    res.on('close', () => stream.destroy());
    out.on('error', () => res.destroy());
    out.pipe(res);
  }

  // The subprotocol is chosen while routing (it depends on the endpoint) and handed to `ws` here.
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024, handleProtocols: (_offered, req) => chosen.get(req) ?? false });
  const upgraded = new Set<Duplex>();
  const sessions = new Set<WebSocket>();
  // The SPDY tunnel's subprotocol is not a valid token for `ws`: it is hidden from the handshake and put back here.
  const spdyTunnels = new WeakSet<IncomingMessage>();
  wss.on('headers', (headers, req) => {
    if (spdyTunnels.has(req)) headers.push(`Sec-WebSocket-Protocol: ${SPDY_TUNNEL_PROTOCOL}`);
  });
  const dialPod = o.dialPod ?? ((ip: string, port: number) => dialTcp(ip, port, o.clock));

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    try {
      routeUpgrade(req, socket, head);
    } catch (e) {
      const code = statusOf(e);
      const msg = e instanceof Error ? e.message : String(e);
      if (code === 500) o.log.warn('kubelet upgrade error', { url: req.url, error: msg });
      refuse(socket, code, msg);
    }
  });

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string | undefined, serve: (ws: WebSocket) => void): void {
    if (protocol) chosen.set(req, protocol);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sessions.add(ws);
      ws.on('close', () => sessions.delete(ws));
      serve(ws);
    });
  }

  function routeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = parseRequestTarget(req.url);
    const auth = req.headers.authorization ?? '';
    const got = auth.startsWith('Bearer ') ? digest(auth.slice(7).trim()) : undefined;
    if (!got || !timingSafeEqual(got, want)) throw new HttpError(401, 'Unauthorized');
    const m = /^\/(exec|attach|portForward)\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m || (m[1] !== 'portForward') !== (m[4] !== undefined)) throw new HttpError(404, `not found: ${url.pathname}`);
    const [kind, ns, podName, container] = [m[1], m[2], m[3], m[4]].map((s) => (s === undefined ? '' : decodePathSegment(s)));
    const pod = o.pods.getByName(ns ?? '', podName ?? '');
    if (!pod) throw new HttpError(404, `pod "${podName}" not found in namespace "${ns}"`);
    // Checked after the pod and container: when kubectl's WebSocket attempt is refused it retries
    // over SPDY, and that answer is the one it prints, so it must carry the real reason.
    const requireWebSocket = () => {
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
        throw new HttpError(400, `${kind} is served over WebSocket only (upgrade "${req.headers.upgrade ?? ''}" is not supported); use kubectl 1.30 or newer`);
      }
    };
    const offered = req.headers['sec-websocket-protocol'];
    if (kind === 'portForward') {
      const ip = pod.status?.podIP;
      if (!ip) throw new HttpError(400, `pod "${podName}" has no IP address yet`);
      requireWebSocket();
      const target: PortForwardTarget = { namespace: ns ?? '', podName: podName ?? '', uid: pod.metadata.uid ?? '', dial: (port) => dialPod(ip, port) };
      if ((offered ?? '').split(',').some((p) => p.trim() === SPDY_TUNNEL_PROTOCOL)) {
        delete req.headers['sec-websocket-protocol'];
        spdyTunnels.add(req);
        return accept(req, socket, head, undefined, (ws) => servePortForwardSpdy(ws, target, { clock: o.clock, log: o.log }));
      }
      const protocol = pickProtocol(offered, PORT_FORWARD_CHANNEL_PROTOCOLS);
      if (!protocol) throw new HttpError(400, `unsupported subprotocol: offer ${SPDY_TUNNEL_PROTOCOL} or ${PORT_FORWARD_CHANNEL_PROTOCOLS.join(', ')}`);
      const ports = url.query.getAll('ports').flatMap((p) => p.split(',')).map((p) => Number(p.trim()));
      if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new HttpError(400, 'query parameter "ports" must list ports between 1 and 65535');
      return accept(req, socket, head, protocol, (ws) => servePortForwardChannels(ws, target, ports, { log: o.log }));
    }
    const id = runningContainer(pod, container ?? '');
    const q = parseStreamQuery(url.query, kind === 'exec');
    requireWebSocket();
    const protocol = pickProtocol(offered, CHANNEL_PROTOCOLS);
    if (!protocol) throw new HttpError(400, `unsupported subprotocol: offer one of ${CHANNEL_PROTOCOLS.join(', ')}`);
    const start = kind === 'exec' ? () => o.runtime.exec(id, { cmd: q.command, stdin: q.stdin, stdout: q.stdout, stderr: q.stderr, tty: q.tty }) : () => o.runtime.attach(id, { stdin: q.stdin, stdout: q.stdout, stderr: q.stderr });
    accept(req, socket, head, protocol, (ws) => serveChannelSession(ws, { ...q, kind: kind as 'exec' | 'attach', start, log: o.log }));
  }

  // Only the control plane dials this API (a few log streams and sessions at once).
  applyServerLimits(server, { maxConnections: 256 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  o.log.info('kubelet API listening', { address: `${o.host ?? '127.0.0.1'}:${port}` });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Following log streams and open exec/port-forward sessions would hold close() forever.
        server.closeAllConnections();
        for (const ws of sessions) ws.terminate();
        for (const s of upgraded) s.destroy();
        wss.close();
      }),
  };
}

/** App, init and ephemeral containers all have logs and may be exec'd into or attached to. */
function hasContainer(pod: Pod, name: string): boolean {
  return podContainers(pod).some((c) => c.name === name);
}

/** The engine container id whose logs a request means (Kubernetes' `validateContainerLogStatus`). */
export function pickContainer(pod: Pod, container: string, previous: boolean): string {
  const podName = pod.metadata.name ?? '';
  if (!hasContainer(pod, container)) {
    throw new HttpError(400, `container ${container} is not valid for pod ${podName}`);
  }
  const s = podContainerStatus(pod, container);
  if (!s) throw new HttpError(400, `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
  const last = s.lastState.terminated?.containerID;
  let id: string | undefined;
  if (previous) {
    if (!last) throw new HttpError(400, `previous terminated container "${container}" in pod "${podName}" not found`);
    id = last;
  } else if (s.state.running || s.state.terminated) {
    id = s.state.terminated?.containerID ?? s.containerID;
  } else if (last) {
    id = last;
  } else {
    throw new HttpError(400, `container "${container}" in pod "${podName}" is waiting to start: ${s.state.waiting?.reason ?? 'ContainerCreating'}`);
  }
  if (!id) throw new HttpError(400, `container "${container}" in pod "${podName}" has no container id yet`);
  return id.replace(/^[a-z]+:\/\//, '');
}

/** The engine id of a container that is running now (exec and attach need one). */
export function runningContainer(pod: Pod, container: string): string {
  const podName = pod.metadata.name ?? '';
  if (!hasContainer(pod, container)) throw new HttpError(400, `container ${container} is not valid for pod ${podName}`);
  const s = podContainerStatus(pod, container);
  if (!s?.state.running || !s.containerID) {
    const why = s?.state.waiting?.reason ?? (s?.state.terminated ? 'Completed' : 'ContainerCreating');
    throw new HttpError(400, `container "${container}" in pod "${podName}" is not running (${why})`);
  }
  return s.containerID.replace(/^[a-z]+:\/\//, '');
}

/** Writes a plain-text HTTP error on a socket that asked to upgrade, then closes it. */
function refuse(socket: Duplex, code: number, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = message + '\n';
  socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function dialTcp(host: string, port: number, clock: Clock): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const cancel = clock.setTimeout(() => s.destroy(new Error(`connect to ${host}:${port} timed out`)), 10_000);
    const onError = (e: Error) => {
      cancel();
      reject(e);
    };
    s.once('error', onError);
    s.once('connect', () => {
      cancel();
      s.off('error', onError);
      resolve(s);
    });
  });
}

/**
 * An RFC 3339 time as epoch seconds with its fraction kept to the microsecond (the engine filters
 * on it, so a reconnecting reader resumes at the last line it has rather than a second earlier).
 */
export function sinceEpoch(t: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(t);
  if (!m) return undefined;
  const whole = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(whole)) return undefined;
  const frac = Number(`0.${(m[2] ?? '0').padEnd(9, '0').slice(0, 6)}`);
  return whole / 1000 + frac;
}

/** The HTTP status an error is answered with: a malformed request target is the client's fault. */
function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.code;
  return e instanceof BadRequestTarget ? 400 : 500;
}

function bool(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function int(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `${key}: must be a non-negative integer, got "${v}"`);
  return n;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Passes the first `max` bytes, then ends. */
function limitBytes(max: number): Transform {
  let left = max;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left <= 0) return done();
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= part.length;
      this.push(part);
      if (left <= 0) this.push(null);
      done();
    },
  });
}
