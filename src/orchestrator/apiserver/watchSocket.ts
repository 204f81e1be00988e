import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ResourceType } from '../api/resources.js';
import type { WatchEvent } from '../api/types.js';
import type { Registry } from './registry.js';
import { jsonOf } from './cacher/frozen.js';
import { watchOptions } from './watchStream.js';

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

/** Pause delivery while this much is waiting to be sent; a client that never catches up is cut off. */
const MAX_BUFFERED = 16 * 1024 * 1024;

/**
 * A watch over WebSocket, as kube-apiserver serves `?watch=true` to an upgrade request: one JSON
 * watch event per text message. Browsers use it because they allow only six HTTP/1.1 connections
 * per origin, and one long-lived streaming response per watched kind would use them all up. Same
 * semantics as the streamed HTTP watch: replay from `resourceVersion`, selectors, 410 as an ERROR.
 */
export async function serveWatchSocket(req: IncomingMessage, socket: Duplex, head: Buffer, registry: Registry, r: ResourceType, namespace: string | undefined, q: URLSearchParams): Promise<void> {
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
  let sub: { dispose(): void } | undefined;
  let closed = false;
  const send = (ev: WatchEvent) => {
    if (closed) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.close(1013, 'watch client too slow');
      return;
    }
    // Objects from the watch cache are serialized once for every watcher (cacher/frozen.ts).
    ws.send(`{"type":${JSON.stringify(ev.type)},"object":${jsonOf(ev.object)}}`);
  };
  ws.on('close', () => {
    closed = true;
    sub?.dispose();
  });
  ws.on('error', () => ws.terminate());
  try {
    const s = await registry.watch(r.resource, watchOptions(namespace, q), send);
    if (closed) s.dispose();
    sub = s;
    if (s.error) ws.close(1000);
  } catch (e) {
    const status = e instanceof Error && 'toStatus' in e ? (e as { toStatus(): unknown }).toStatus() : { kind: 'Status', status: 'Failure', message: String(e), code: 500 };
    ws.send(JSON.stringify({ type: 'ERROR', object: status }));
    ws.close(1000);
  }
}
