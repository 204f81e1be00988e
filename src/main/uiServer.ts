import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Handler } from '../orchestrator/apiserver/handler.js';
import type { RequestContext } from '../orchestrator/apiserver/requestContext.js';
import { silentLogger, type Logger } from '../orchestrator/util/logger.js';
import { inProcessApi } from './inProcessApi.js';
import { servePortForwards } from './portForwardRoutes.js';
import { FORWARDS_PATH } from './wire/portForwards.js';
import { PortForwards } from './portForwards.js';
import { applyServerLimits } from '../orchestrator/util/serverLimits.js';
import { BadRequestTarget, decodePathSegment, parseRequestTarget, type RequestTarget } from '../orchestrator/util/requestTarget.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const UI_USER: RequestContext = { user: 'skiff-ui', groups: ['system:masters', 'system:authenticated'] };
const COOKIE = 'skiff_session';

export interface UiServer {
  port: number;
  /** A fresh one-time login URL: opening it sets the session cookie, then the code is spent. */
  loginUrl(): string;
  close(): Promise<void>;
}

/**
 * Serves the renderer and the Kubernetes API under `/k8s` on 127.0.0.1, for Chromium (browser mode)
 * and for the Electron window alike. The API is never open without auth: a one-time login code is
 * exchanged for an HttpOnly, SameSite=Strict session cookie; writes must also come from our origin.
 */
export interface UiServerOptions {
  port: number;
  rendererDir: string;
  api: Handler;
  log?: Logger;
  /**
   * Reads a host's SSH key before it is added (`POST /skiff/host-key {address, port}`), so the user
   * confirms the fingerprint before it is pinned. Absent: the endpoint answers 404.
   */
  scanHostKey?(address: string, port: number): Promise<{ fingerprint: string; algorithm: string }>;
}

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const codes = new Set<string>();
  const sessions = new Set<string>();
  let port = 0;
  // Browsers cannot listen: the UI's port-forwards listen here, tunnelled through the API as the UI.
  const forwards = new PortForwards(inProcessApi(opts.api, UI_USER), opts.log ?? silentLogger);

  const hasSession = (req: IncomingMessage): boolean => {
    const m = (req.headers.cookie ?? '').match(new RegExp(`(?:^|;\\s*)${COOKIE}=([A-Za-z0-9_-]+)`));
    if (!m) return false;
    const given = Buffer.from(m[1] as string);
    for (const s of sessions) {
      const b = Buffer.from(s);
      if (b.length === given.length && timingSafeEqual(b, given)) return true;
    }
    return false;
  };

  const serve = (req: IncomingMessage, res: ServerResponse, url: RequestTarget): void => {
    securityHeaders(res);
    if (url.pathname === '/login') {
      const code = url.query.get('code') ?? '';
      if (!codes.delete(code)) {
        res.writeHead(403, { 'Content-Type': 'text/plain' });
        res.end('This login link is not valid or was already used (each works once). Press Enter in the terminal running `npm run serve` for a new one, or restart it (or the app).');
        return;
      }
      const session = randomBytes(24).toString('base64url');
      sessions.add(session);
      res.writeHead(302, { 'Set-Cookie': `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`, Location: '/' });
      res.end();
      return;
    }
    if (url.pathname === '/k8s' || url.pathname.startsWith('/k8s/')) {
      if (!hasSession(req)) return deny(res, 401, 'Unauthorized', 'Log in with the one-time URL printed by Skiff.');
      if (req.method !== 'GET' && req.method !== 'HEAD' && !sameOrigin(req, port)) return deny(res, 403, 'Forbidden', 'cross-origin write refused');
      req.url = (url.pathname.slice('/k8s'.length) || '/') + url.search;
      opts.api(req, res, UI_USER);
      return;
    }
    if (url.pathname === FORWARDS_PATH || url.pathname.startsWith(`${FORWARDS_PATH}/`)) {
      if (!hasSession(req)) return deny(res, 401, 'Unauthorized', 'Log in with the one-time URL printed by Skiff.');
      if (req.method !== 'GET' && !sameOrigin(req, port)) return deny(res, 403, 'Forbidden', 'cross-origin write refused');
      void servePortForwards(req, res, url.pathname, forwards).catch(() => res.destroy());
      return;
    }
    if (url.pathname === '/skiff/host-key') {
      if (!hasSession(req)) return deny(res, 401, 'Unauthorized', 'Log in with the one-time URL printed by Skiff.');
      if (req.method !== 'POST' || !sameOrigin(req, port)) return deny(res, 403, 'Forbidden', 'POST from this origin only');
      void hostKey(req, res, opts.scanHostKey);
      return;
    }
    serveStatic(opts.rendererDir, url.pathname, res);
  };
  // Nothing a client sends may throw out of a listener: an uncaught exception ends the process (and
  // with it the control plane). Any request is reachable from a web page, so this matters twice.
  const server: Server = createServer((req, res) => {
    try {
      serve(req, res, parseRequestTarget(req.url));
    } catch (e) {
      if (res.headersSent) res.destroy();
      else if (e instanceof BadRequestTarget) deny(res, 400, 'BadRequest', e.message);
      else deny(res, 500, 'InternalError', `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  // exec / attach / port-forward WebSockets under /k8s: same session and origin checks, then the API's upgrade handler.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (code: number, text: string) => socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.on('error', () => socket.destroy());
    try {
      const url = parseRequestTarget(req.url);
      if (!(url.pathname.startsWith('/k8s/') && opts.api.upgrade)) return refuse(404, 'Not Found');
      if (!hasSession(req)) return refuse(401, 'Unauthorized');
      // Browsers send Origin on every WebSocket handshake and cookies ride along cross-site: require ours.
      if (!req.headers.origin || !sameOrigin(req, port)) return refuse(403, 'Forbidden');
      req.url = url.pathname.slice('/k8s'.length) + url.search;
      opts.api.upgrade(req, socket, head, UI_USER);
    } catch (e) {
      if (e instanceof BadRequestTarget) refuse(400, 'Bad Request');
      else socket.destroy();
    }
  });
  // One user's browser (six connections an origin, plus WebSockets): a few hundred is plenty.
  applyServerLimits(server, { maxConnections: 512 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    port,
    loginUrl() {
      const code = randomBytes(18).toString('base64url');
      codes.add(code);
      return `http://127.0.0.1:${port}/login?code=${code}`;
    },
    close: () =>
      new Promise((resolve) => {
        forwards.dispose();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** `POST /skiff/host-key`: `{address, port}` in, `{fingerprint, algorithm}` out, or a Status saying why not. */
async function hostKey(req: IncomingMessage, res: ServerResponse, scan: UiServerOptions['scanHostKey']): Promise<void> {
  if (!scan) return deny(res, 404, 'NotFound', 'this server cannot read host keys');
  let body: unknown;
  try {
    let text = '';
    for await (const chunk of req) {
      text += String(chunk);
      if (text.length > 4096) return deny(res, 413, 'RequestEntityTooLarge', 'body too large');
    }
    body = JSON.parse(text);
  } catch {
    return deny(res, 400, 'BadRequest', 'expected JSON {"address": "...", "port": 22}');
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as { address?: unknown; port?: unknown };
  const address = typeof b.address === 'string' ? b.address.trim() : '';
  const p = typeof b.port === 'number' ? b.port : 22;
  if (!address || address.length > 253 || /\s/.test(address)) return deny(res, 422, 'Invalid', 'address: Required value');
  if (!Number.isInteger(p) || p < 1 || p > 65535) return deny(res, 422, 'Invalid', 'port: must be 1-65535');
  try {
    const key = await scan(address, p);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(key));
  } catch (e) {
    deny(res, 502, 'ServiceUnavailable', e instanceof Error ? e.message : String(e));
  }
}

function sameOrigin(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // Not a browser cross-site request (browsers always send Origin on cross-site writes).
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

function deny(res: ServerResponse, code: number, reason: string, message: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, message, code });
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(body);
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

function serveStatic(rendererDir: string, pathname: string, res: ServerResponse): void {
  const root = resolve(rendererDir);
  const decoded = pathname.split('/').map(decodePathSegment).join('/');
  const rel = normalize(decoded).replace(/^([/\\])+/, '');
  let file = join(root, rel);
  // Inside root only: `root + sep`, so that a sibling folder whose name starts with root's is out too.
  const inside = file === root || file.startsWith(root + sep);
  if (!inside || file.includes('\0') || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('The UI is not built: run `npm run build`.');
    return;
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
  const stream = createReadStream(file);
  // A read error (the file removed meanwhile) must not become an uncaught 'error' event.
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
