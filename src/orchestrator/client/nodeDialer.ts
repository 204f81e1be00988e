import type { Duplex } from 'node:stream';

/**
 * How the control plane opens a connection to a port on a node (its agent's kubelet API, for logs
 * and, later, exec and port-forward). Workers need no route to the desktop, nor the desktop to them:
 * for an SSH-provisioned host the connection goes through the app's SSH session (direct-tcpip to
 * the host's loopback); for the local node it is a plain TCP connection.
 */
export interface NodeDialer {
  /** Opens a stream to `127.0.0.1:port` as seen from `nodeName`. Rejects with a clear message when the node is unreachable. */
  dial(nodeName: string, port: number): Promise<Duplex>;
}

/** Routes each node to the dialer that can reach it; provisioners register and unregister themselves. */
export class NodeDialers implements NodeDialer {
  private readonly routes = new Map<string, NodeDialer>();

  register(nodeName: string, dialer: NodeDialer): { dispose(): void } {
    this.routes.set(nodeName, dialer);
    return { dispose: () => { if (this.routes.get(nodeName) === dialer) this.routes.delete(nodeName); } };
  }

  async dial(nodeName: string, port: number): Promise<Duplex> {
    const d = this.routes.get(nodeName);
    if (!d) throw new Error(`no connection to node "${nodeName}": the control plane is not connected to its host`);
    return d.dial(nodeName, port);
  }
}
