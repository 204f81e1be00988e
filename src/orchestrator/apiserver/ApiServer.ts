import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { errors } from '../api/errors.js';
import { applyServerLimits } from '../util/serverLimits.js';
import type { Handler } from './handler.js';
import type { ServingPki } from './pki.js';

/**
 * TLS as kube-apiserver serves it by default: 1.2 and 1.3 only, and on 1.2 only forward-secret
 * AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305); TLS 1.3 suites are all of that kind.
 */
export const TLS_OPTIONS = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
  /** A client that opens a connection and never completes the handshake is dropped. */
  handshakeTimeout: 10_000,
} as const;

/** Open connections at once: every watch holds one (agents, kubectl -w, informers). */
export const API_MAX_CONNECTIONS = 4096;

/**
 * The HTTPS listener in front of the API handler. TLS with the cluster CA's serving certificate;
 * connections are tracked so `close()` ends long watches instead of waiting for them.
 */
export class ApiServer {
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();

  constructor(pki: ServingPki, handler: Handler) {
    this.server = createServer({ ...TLS_OPTIONS, cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert }, (req, res) => handler(req, res));
    // exec, attach and port-forward arrive as upgrades; anything else asking to upgrade is refused by the handler.
    this.server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
      if (handler.upgrade) handler.upgrade(req, socket, head);
      else socket.destroy();
    });
    // CONNECT is not an API verb: answered, where Node would drop the connection without a word.
    this.server.on('connect', (_req, socket: Duplex) => {
      const body = JSON.stringify(errors.methodNotAllowed().toStatus());
      socket.on('error', () => socket.destroy());
      socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // Receiving a request is bounded (a slow or short body cannot hold its connection forever);
    // serving one is not (watches and log streams last as long as the client wants).
    applyServerLimits(this.server, { maxConnections: API_MAX_CONNECTIONS });
  }

  /** Listens on host:port (port 0 picks a free one) and resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        reject(e.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use: set SKIFF_API_PORT to another port`) : e);
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  get httpsServer(): Server {
    return this.server;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
