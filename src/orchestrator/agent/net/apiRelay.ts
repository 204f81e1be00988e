import { connect, createServer, type Server } from 'node:net';
import type { Logger } from '../../util/logger.js';

/**
 * The `kubernetes` Service's endpoint on this node: listens on the pod bridge's gateway address
 * and relays each connection, bytes untouched (TLS passes through: pods verify the API server's own
 * certificate, which names 10.96.0.1 and kubernetes.default.svc), to the API server as the agent
 * reaches it: the SSH tunnel on the host's 127.0.0.1:16443, or the desktop's API port for its own
 * node. Workers have no route to the desktop; this is how their pods reach the API.
 */
export class ApiRelay {
  private server?: Server;
  private bound?: string;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly log: Logger,
  ) {}

  /** Listens on `address:port` (again, when the address changed). Rejects with the bind error. */
  async listen(address: string, port: number): Promise<void> {
    const key = `${address}:${port}`;
    if (this.bound === key && this.server?.listening) return;
    this.close();
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      upstream.on('error', (e) => {
        this.log.debug('api relay: cannot reach the API server', { error: e.message });
        client.destroy();
      });
      client.on('error', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.warn('api relay error', { error: e.message }));
    this.server = server;
    this.bound = key;
    this.log.info('relaying the kubernetes Service to the API server', { listen: key, to: `${this.target.host}:${this.target.port}` });
  }

  close(): void {
    this.server?.close();
    this.server = undefined;
    this.bound = undefined;
  }
}
