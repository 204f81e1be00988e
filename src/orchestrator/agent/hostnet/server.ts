import { chmodSync, chownSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../util/logger.js';
import type { HostNet } from './types.js';

/**
 * The component's socket protocol: newline-delimited JSON on a unix socket only its owner may open
 * (mode 0600, owned by the agent's user). A request is `{"id":1,"method":"apply","params":{...}}`,
 * the answer `{"id":1,"result":{...}}` or `{"id":1,"error":"what went wrong"}`. Methods are the
 * `HostNet` interface's; params are validated by the component, so a bad request is an error
 * answer and changes nothing.
 */
export type Method = 'apply' | 'holdPorts' | 'cleanup' | 'check';
export const METHODS: readonly Method[] = ['apply', 'holdPorts', 'cleanup', 'check'];

export interface Request {
  id: number;
  method: Method;
  params?: unknown;
}

export type Response = { id: number; result: unknown } | { id: number; error: string };

/** Largest request accepted (a rule set of a few thousand Services). */
const MAX_LINE = 32 * 1024 * 1024;

async function dispatch(hostnet: HostNet, req: Request): Promise<unknown> {
  const p = (req.params ?? {}) as Record<string, unknown>;
  switch (req.method) {
    case 'apply':
      return hostnet.apply(p as never);
    case 'holdPorts':
      return hostnet.holdPorts(p.node as string, p.ports as never);
    case 'cleanup':
      return hostnet.cleanup(p.node as string);
    case 'check':
      return hostnet.check();
  }
}

function parseRequest(line: string): Request | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'a request must be one line of JSON';
  }
  const o = v as Partial<Request> | null;
  if (!o || typeof o !== 'object' || typeof o.id !== 'number') return 'a request needs a numeric id';
  if (!METHODS.includes(o.method as Method)) return `unknown method ${JSON.stringify(o.method)}; known: ${METHODS.join(', ')}`;
  return o as Request;
}

function serve(hostnet: HostNet, s: Socket, log: Logger): void {
  let buf = '';
  const send = (r: Response) => {
    if (!s.destroyed) s.write(`${JSON.stringify(r)}\n`);
  };
  s.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    if (buf.length > MAX_LINE) {
      s.destroy();
      return;
    }
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const req = parseRequest(line);
      if (typeof req === 'string') {
        const id = (() => {
          try {
            return Number((JSON.parse(line) as { id?: unknown }).id) || 0;
          } catch {
            return 0;
          }
        })();
        send({ id, error: req });
        continue;
      }
      dispatch(hostnet, req).then(
        (result) => send({ id: req.id, result }),
        (e: unknown) => {
          const error = e instanceof Error ? e.message : String(e);
          log.warn('request failed', { method: req.method, error });
          send({ id: req.id, error });
        },
      );
    }
  });
  s.on('error', () => {});
}

/** Listens on `socketPath` (replacing a stale file), readable only by `ownerUid` (and root). */
export function startHostNetServer(o: { socketPath: string; ownerUid?: number; hostnet: HostNet; log: Logger }): Promise<Server> {
  rmSync(o.socketPath, { force: true });
  const server = createServer((s) => serve(o.hostnet, s, o.log));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.socketPath, () => {
      server.removeListener('error', reject);
      chmodSync(o.socketPath, 0o600);
      if (o.ownerUid !== undefined && o.ownerUid !== process.getuid?.()) chownSync(o.socketPath, o.ownerUid, -1);
      resolve(server);
    });
  });
}
