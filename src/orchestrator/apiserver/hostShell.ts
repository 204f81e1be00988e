import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError } from '../api/errors.js';
import { CHANNEL_PROTOCOLS, pickProtocol, serveChannelSession } from '../client/remotecommand.js';
import type { HostShells } from '../client/hostShells.js';
import type { Logger } from '../util/logger.js';

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => pickProtocol([...offered].join(','), CHANNEL_PROTOCOLS) ?? false });

/** A size from the query (`cols`, `rows`), else the classic 80x24; clamped to what a pty accepts. */
export function initialSize(q: URLSearchParams): { cols: number; rows: number } {
  const n = (k: string, d: number) => {
    const v = Number(q.get(k));
    return Number.isInteger(v) && v >= 1 ? Math.min(v, 1000) : d;
  };
  return { cols: n('cols', 80), rows: n('rows', 24) };
}

/**
 * Serves a host shell over the exec channel WebSocket (`v5.channel.k8s.io` / `v4.channel.k8s.io`:
 * stdin 0, stdout 1, stderr 2, status 3, resize 4), as `pods/exec` with a tty. The caller has
 * authorized the request; this only checks the protocol and opens the shell once the socket is open.
 */
export async function serveHostShell(req: IncomingMessage, socket: Duplex, head: Buffer, shells: HostShells, hostName: string, q: URLSearchParams, log: Logger): Promise<void> {
  if (!pickProtocol(req.headers['sec-websocket-protocol'], CHANNEL_PROTOCOLS)) {
    throw new ApiError(400, 'BadRequest', `a host shell speaks ${CHANNEL_PROTOCOLS.join(' or ')} over a WebSocket`);
  }
  if (!shells.has(hostName)) throw new ApiError(503, 'ServiceUnavailable', `host ${hostName} is not connected: Skiff holds no SSH connection to it right now`);
  const size = initialSize(q);
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
  log.info('host shell opened', { host: hostName });
  ws.on('close', () => log.info('host shell closed', { host: hostName }));
  serveChannelSession(ws, { kind: 'exec', command: ['shell'], stdin: true, stdout: true, stderr: false, tty: true, start: () => shells.open(hostName, size), log });
}
