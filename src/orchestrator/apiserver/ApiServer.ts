import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Handler } from './handler.js';
import type { ServingPki } from './pki.js';

/**
 * The HTTPS listener in front of the API handler. TLS with the cluster CA's serving certificate;
 * connections are tracked so `close()` ends long watches instead of waiting for them.
 */
export class ApiServer {
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();

  constructor(pki: ServingPki, handler: Handler) {
    this.server = createServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert }, (req, res) => handler(req, res));
    // exec, attach and port-forward arrive as upgrades; anything else asking to upgrade is refused by the handler.
    this.server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
      if (handler.upgrade) handler.upgrade(req, socket, head);
      else socket.destroy();
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // Long-lived watches and log streams: no server-side request timeout.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 65_000;
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
