import { createServer, request, type IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { Handler } from '../orchestrator/apiserver/handler.js';
import type { RequestContext } from '../orchestrator/apiserver/requestContext.js';

/**
 * The Kubernetes API as main-side code reaches it: the API handler in this process, called with a
 * fixed identity, over an in-memory connection (no port, no token). Requests and upgrades take the
 * same path through the handler as they do from kubectl, so authorization and Status errors hold.
 */
export interface ApiTransport {
  /** GET `path` (with query); resolves the parsed JSON of a 2xx answer, rejects with the Status's message. */
  getJson(path: string): Promise<unknown>;
  /** A WebSocket to `path` (exec, port-forward, ...), offering `protocols`. */
  webSocket(path: string, protocols: string[]): WebSocket;
}

/** An error answer from the API: its HTTP code and the Status's message. */
export class ApiCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Two connected in-memory stream ends: what one writes, the other reads. */
export function duplexPair(): [Duplex, Duplex] {
  let a: Duplex | undefined;
  let b: Duplex | undefined;
  const end = (other: () => Duplex | undefined) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        other()?.push(chunk);
        cb();
      },
      final(cb) {
        other()?.push(null);
        cb();
      },
      destroy(err, cb) {
        const o = other();
        if (o && !o.destroyed) o.destroy();
        cb(err);
      },
    });
  a = end(() => b);
  b = end(() => a);
  return [a, b];
}

export function inProcessApi(api: Handler, identity: RequestContext): ApiTransport {
  // Never listens: it only parses requests arriving on in-memory connections handed to it.
  const server = createServer((req, res) => api(req, res, identity));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (api.upgrade) api.upgrade(req, socket, head, identity);
    else socket.destroy();
  });
  const connect = (): Duplex => {
    const [client, serverEnd] = duplexPair();
    server.emit('connection', serverEnd);
    return client;
  };
  return {
    getJson: (path) =>
      new Promise((resolve, reject) => {
        const req = request({ method: 'GET', path, headers: { Accept: 'application/json', Host: 'skiff' }, createConnection: () => connect() as never }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let body: unknown;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              return reject(new ApiCallError(res.statusCode ?? 500, `invalid JSON from GET ${path}`));
            }
            const code = res.statusCode ?? 500;
            if (code >= 200 && code < 300) return resolve(body);
            const message = typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : `GET ${path}: ${code}`;
            reject(new ApiCallError(code, message));
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      }),
    webSocket: (path, protocols) => new WebSocket(`ws://skiff${path}`, protocols, { createConnection: () => connect() as never, perMessageDeflate: false }),
  };
}
