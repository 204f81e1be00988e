import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Clock } from '../../../util/clock.js';
import type { Runtime } from '../../runtime/types.js';

/** What one probe or hook run found: success, and the output or the reason it failed. */
export interface HandlerResult {
  ok: boolean;
  output: string;
}

/** Output kept from a probe (the kubelet reads at most 10 KiB). */
const MAX_OUTPUT = 10 * 1024;

/** `User-Agent` of the kubelet's HTTP probes. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';

/** Races `work` against a timeout on the injected clock; `onTimeout` cleans up the work. */
export function withTimeout<T>(clock: Clock, ms: number, work: Promise<T>, onTimeout: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const cancel = clock.setTimeout(() => {
      if (settled) return;
      settled = true;
      resolve(onTimeout());
    }, ms);
    work.then(
      (v) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(v);
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        cancel();
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Runs `cmd` in the container (no shell); exit 0 is success; the combined output is the message. */
export async function execHandler(runtime: Runtime, clock: Clock, containerId: string, cmd: string[], timeoutMs: number): Promise<HandlerResult> {
  const proc = await runtime.exec(containerId, { cmd, stdin: false, stdout: true, stderr: true, tty: false });
  const chunks: Buffer[] = [];
  let size = 0;
  const take = (c: Buffer) => {
    if (size < MAX_OUTPUT) chunks.push(c.subarray(0, MAX_OUTPUT - size));
    size += c.length;
  };
  proc.stdout?.on('data', take);
  proc.stderr?.on('data', take);
  const timedOut = Symbol('timeout');
  const code = await withTimeout<number | typeof timedOut>(clock, timeoutMs, proc.wait(), () => {
    proc.close();
    return timedOut;
  });
  if (code === timedOut) return { ok: false, output: `command "${cmd.join(' ')}" timed out` };
  return { ok: code === 0, output: Buffer.concat(chunks).toString('utf8') };
}

export interface HttpTarget {
  scheme: 'HTTP' | 'HTTPS';
  host: string;
  port: number;
  path: string;
  headers: { name: string; value: string }[];
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The Go error a failed dial prints, for messages users recognise from Kubernetes. */
function dialError(host: string, port: number, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const addr = hostPort(host, port);
  if (code === 'ECONNREFUSED') return `dial tcp ${addr}: connect: connection refused`;
  if (code === 'EHOSTUNREACH') return `dial tcp ${addr}: connect: no route to host`;
  if (code === 'ENETUNREACH') return `dial tcp ${addr}: connect: network is unreachable`;
  return `dial tcp ${addr}: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * An HTTP(S) GET as the kubelet's probe: success for a status in [200, 400), the body (up to
 * 10 KiB) as output; `HTTP probe failed with statuscode: N` otherwise. Certificates are not
 * verified (as the kubelet does not). Redirects to the same host are followed (up to 10); a redirect
 * elsewhere counts as success, as the kubelet treats it.
 */
export async function httpHandler(clock: Clock, t: HttpTarget, timeoutMs: number, redirects = 0): Promise<HandlerResult> {
  const path = t.path.startsWith('/') ? t.path : `/${t.path}`;
  const url = `${t.scheme.toLowerCase()}://${hostPort(t.host, t.port)}${path}`;
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
  for (const h of t.headers) headers[h.name] = h.value;
  const req = (t.scheme === 'HTTPS' ? httpsRequest : httpRequest)({ host: t.host, port: t.port, path, method: 'GET', headers, rejectUnauthorized: false, agent: false });
  const work = new Promise<HandlerResult>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_OUTPUT) chunks.push(c.subarray(0, MAX_OUTPUT - size));
        size += c.length;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        const loc = res.headers.location;
        if (code >= 300 && code < 400 && loc && redirects < 10) {
          const next = new URL(loc, url);
          if (next.hostname === t.host && (Number(next.port) || (next.protocol === 'https:' ? 443 : 80)) === t.port) {
            resolve(httpHandler(clock, { ...t, scheme: next.protocol === 'https:' ? 'HTTPS' : 'HTTP', path: next.pathname + next.search }, timeoutMs, redirects + 1));
            return;
          }
        }
        resolve(code >= 200 && code < 400 ? { ok: true, output: body } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', reject);
    });
    req.on('error', (e) => resolve({ ok: false, output: `Get "${url}": ${dialError(t.host, t.port, e)}` }));
    req.end();
  });
  return withTimeout(clock, timeoutMs, work, () => {
    req.destroy();
    return { ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` };
  });
}

/** A TCP connect: success when the connection opens (it is closed at once). */
export async function tcpHandler(clock: Clock, host: string, port: number, timeoutMs: number): Promise<HandlerResult> {
  const sock = connect({ host, port });
  const work = new Promise<HandlerResult>((resolve) => {
    sock.once('connect', () => {
      sock.destroy();
      resolve({ ok: true, output: '' });
    });
    sock.once('error', (e) => resolve({ ok: false, output: dialError(host, port, e) }));
  });
  return withTimeout(clock, timeoutMs, work, () => {
    sock.destroy();
    return { ok: false, output: `dial tcp ${hostPort(host, port)}: i/o timeout` };
  });
}
