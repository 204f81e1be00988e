import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import httpProxy from 'http-proxy';
import type { Logger } from '../../util/logger.js';
import { routeRequest, tlsSecretFor, type ResolvedBackend, type RouteTable, type Target } from './routeTable.js';

/** The ports the proxy listens on (0: that one is off). */
export interface IngressPorts {
  http: number;
  https: number;
}

/**
 * The node's ingress proxy: an HTTP and an HTTPS listener (every address) routing each request
 * by the current {@link RouteTable}. The proxying itself (request and response streaming, upgrade
 * to WebSocket, `X-Forwarded-For/-Port/-Proto`) is node-http-proxy's; this class only picks the
 * target. HTTPS picks its certificate by SNI from the contexts it is given.
 *
 * `listen` is all or nothing: when either port cannot be opened, neither stays open and the error
 * says which port and why.
 */
export class IngressProxyServer {
  private table: RouteTable = { exact: new Map(), wildcard: new Map(), any: [], tls: [], problems: [] };
  private contexts = new Map<string, SecureContext>();
  private readonly proxy: httpProxy;
  private readonly next = new Map<string, number>();
  private servers: { http?: Server; https?: Server } = {};
  private ports: IngressPorts = { http: 0, https: 0 };

  constructor(private readonly log: Logger) {
    this.proxy = httpProxy.createProxyServer({ xfwd: true, ws: true });
    this.proxy.on('proxyReq', (proxyReq, req) => {
      if (req.headers.host) proxyReq.setHeader('X-Forwarded-Host', req.headers.host);
    });
    this.proxy.on('proxyReqWs', (proxyReq, req) => {
      if (req.headers.host) proxyReq.setHeader('X-Forwarded-Host', req.headers.host);
    });
  }

  /** Replaces the routes and the certificates (Secret `ns/name` -> context); takes effect for the next request. */
  update(table: RouteTable, contexts: Map<string, SecureContext>): void {
    this.table = table;
    this.contexts = contexts;
  }

  /** The ports open now. */
  listening(): IngressPorts {
    return { ...this.ports };
  }

  /** Opens exactly `want` (re-opening a port that changed); rejects, with nothing left open, when a port cannot be had. */
  async listen(want: IngressPorts): Promise<void> {
    if (want.http === this.ports.http && want.https === this.ports.https && (want.http === 0 || this.servers.http) && (want.https === 0 || this.servers.https)) return;
    await this.close();
    const http = want.http ? createHttpServer((req, res) => this.handle(req, res)) : undefined;
    const https = want.https ? createHttpsServer({ SNICallback: (name, cb) => cb(null, this.contextFor(name)) }, (req, res) => this.handle(req, res)) : undefined;
    for (const s of [http, https]) s?.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    try {
      if (http) await open(http, want.http);
      if (https) await open(https, want.https);
    } catch (e) {
      for (const s of [http, https]) if (s?.listening) s.close();
      throw e;
    }
    this.servers = { ...(http ? { http } : {}), ...(https ? { https } : {}) };
    this.ports = { ...want };
  }

  async close(): Promise<void> {
    const all = [this.servers.http, this.servers.https].filter((s): s is Server => !!s);
    this.servers = {};
    this.ports = { http: 0, https: 0 };
    await Promise.all(
      all.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private contextFor(serverName: string): SecureContext | undefined {
    const secret = tlsSecretFor(this.table, serverName);
    return secret ? this.contexts.get(secret) : undefined;
  }

  private pick(b: ResolvedBackend): Target | undefined {
    if (!b.targets.length) return undefined;
    const i = (this.next.get(b.name) ?? 0) % b.targets.length;
    this.next.set(b.name, i + 1);
    return b.targets[i];
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const d = routeRequest(this.table, req.headers.host, req.url ?? '/');
    if (d.kind === 'notFound') return reply(res, 404, '404 page not found\n');
    const target = this.pick(d.backend);
    if (!target) return reply(res, 503, `no ready endpoint for ${d.backend.name}${d.backend.error ? `: ${d.backend.error}` : ''}\n`);
    this.proxy.web(req, res, { target: url(target) }, (e) => {
      this.log.debug('ingress backend failed', { backend: d.backend.name, target: url(target), error: e.message });
      if (!res.headersSent) reply(res, 502, `bad gateway: ${d.backend.name} (${url(target)}): ${e.message}\n`);
      else res.destroy();
    });
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const d = routeRequest(this.table, req.headers.host, req.url ?? '/');
    const target = d.kind === 'backend' ? this.pick(d.backend) : undefined;
    if (!target) {
      socket.end(`HTTP/1.1 ${d.kind === 'notFound' ? '404 Not Found' : '503 Service Unavailable'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.proxy.ws(req, socket, head, { target: url(target) }, (e) => {
      this.log.debug('ingress upgrade failed', { target: url(target), error: e.message });
      socket.destroy();
    });
  }
}

function url(t: Target): string {
  return `http://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function open(s: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'another program on this host already uses it' : e.code === 'EACCES' ? 'no permission to open it (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : e.message;
      reject(new Error(`cannot listen on port ${port}: ${why}`));
    };
    s.once('error', fail);
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => {
      s.removeListener('error', fail);
      s.on('error', () => {});
      resolve();
    });
  });
}
