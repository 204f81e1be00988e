import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { HeldPort, PortsResult } from './types.js';

/** Opens a port so nothing else can: resolves with a closer, rejects with the bind error. */
export type PortOpener = (p: HeldPort) => Promise<() => void>;

/** TCP: listen and close every connection at once; UDP: bind and drop what arrives. */
export const openLocalPort: PortOpener = (p) =>
  new Promise((resolve, reject) => {
    if (p.protocol === 'UDP') {
      const s: UdpSocket = createSocket({ type: 'udp4', reuseAddr: false });
      s.once('error', reject);
      s.bind({ port: p.port, address: '0.0.0.0', exclusive: true }, () => {
        s.removeListener('error', reject);
        s.on('error', () => {});
        s.unref();
        resolve(() => s.close());
      });
      return;
    }
    const srv: Server = createServer((c) => c.destroy());
    srv.once('error', reject);
    srv.listen({ port: p.port, host: '0.0.0.0', exclusive: true }, () => {
      srv.removeListener('error', reject);
      srv.on('error', () => {});
      srv.unref();
      resolve(() => srv.close());
    });
  });

/**
 * The ports each node holds (kube-proxy's "port opener"): while a node port is held no other
 * program can bind it, so the node's rules are the only thing answering there. A port that
 * something else already holds is reported, with the system's error, and not held.
 */
export class PortHolder {
  private readonly held = new Map<string, Map<string, { port: HeldPort; close: () => void }>>();

  constructor(private readonly open: PortOpener = openLocalPort) {}

  async set(node: string, wanted: readonly HeldPort[]): Promise<PortsResult> {
    const mine = this.held.get(node) ?? new Map<string, { port: HeldPort; close: () => void }>();
    this.held.set(node, mine);
    const key = (p: HeldPort) => `${p.port}/${p.protocol}`;
    const want = new Map(wanted.map((p) => [key(p), p]));
    for (const [k, h] of mine) {
      if (!want.has(k)) {
        h.close();
        mine.delete(k);
      }
    }
    const result: PortsResult = { held: [], busy: [] };
    for (const [k, p] of want) {
      const have = mine.get(k);
      if (have) {
        result.held.push(p);
        continue;
      }
      try {
        mine.set(k, { port: p, close: await this.open(p) });
        result.held.push(p);
      } catch (e) {
        const code = (e as { code?: string }).code;
        const why = code === 'EADDRINUSE' ? 'another program on this host already uses it' : code === 'EACCES' ? 'no permission to open it' : e instanceof Error ? e.message : String(e);
        result.busy.push({ ...p, error: why });
      }
    }
    return result;
  }

  releaseAll(): void {
    for (const node of [...this.held.keys()]) this.release(node);
  }

  /** Closes every port of `node`; returns how many. */
  release(node: string): number {
    const mine = this.held.get(node);
    if (!mine) return 0;
    for (const h of mine.values()) h.close();
    this.held.delete(node);
    return mine.size;
  }
}
