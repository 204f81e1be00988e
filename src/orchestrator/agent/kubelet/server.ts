import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import type { Pod } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { LogOptions, Runtime } from '../runtime/types.js';

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
}

export interface KubeletServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A client error with the kubelet's plain-text message. */
class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The kubelet API: `GET /healthz` and `GET /containerLogs/{ns}/{pod}/{container}` with `follow`,
 * `tailLines`, `timestamps`, `previous`, `sinceSeconds`, `limitBytes`, streamed as text/plain (the
 * API server proxies `pods/log` here). Which run of a container is read follows the pod's reported
 * status, as Kubernetes does: `previous` is `lastState.terminated`, otherwise the current run (or the
 * last one, while it waits to restart). Errors are plain text: 401, 404 (no such pod), 400.
 */
export async function startKubeletServer(o: KubeletServerOptions): Promise<KubeletServer> {
  const want = digest(o.token);
  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      const code = e instanceof HttpError ? e.code : 500;
      const msg = e instanceof Error ? e.message : String(e);
      if (code === 500) o.log.warn('kubelet API error', { url: req.url, error: msg });
      if (!res.headersSent) {
        res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(msg + '\n');
      } else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    const auth = req.headers.authorization ?? '';
    const got = auth.startsWith('Bearer ') ? digest(auth.slice(7).trim()) : undefined;
    if (!got || !timingSafeEqual(got, want)) throw new HttpError(401, 'Unauthorized');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!m) throw new HttpError(404, `not found: ${url.pathname}`);
    const [ns, podName, container] = [m[1], m[2], m[3]].map((s) => decodeURIComponent(s ?? ''));
    await serveLogs(res, ns ?? '', podName ?? '', container ?? '', url.searchParams);
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
        // Following log streams would hold close() forever.
        server.closeAllConnections();
      }),
  };
}

/** The engine container id whose logs a request means (Kubernetes' `validateContainerLogStatus`). */
export function pickContainer(pod: Pod, container: string, previous: boolean): string {
  const podName = pod.metadata.name ?? '';
  if (!pod.spec.containers.some((c) => c.name === container)) {
    throw new HttpError(400, `container ${container} is not valid for pod ${podName}`);
  }
  const s = pod.status?.containerStatuses?.find((c) => c.name === container);
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
