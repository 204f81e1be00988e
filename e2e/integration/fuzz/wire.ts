import { connect } from 'node:tls';
import type { FuzzRequest } from './requests.js';

export interface Answer {
  /** 0: the server sent nothing before the connection ended or the client gave up. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  ms: number;
}

/** The request's bytes: built from its fields (with the bearer token), or its raw bytes with the token put in. */
export function wireBytes(req: FuzzRequest, token: string): Buffer {
  if (req.raw) return Buffer.from(req.raw.toString('latin1').replace('{token}', token), 'latin1');
  const lines = [`${req.method} ${req.target} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${token}`, 'Connection: close', 'User-Agent: skiff-fuzz/1'];
  for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}: ${v}`);
  if (req.body) lines.push(`Content-Length: ${req.body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), req.body ?? Buffer.alloc(0)]);
}

/**
 * Sends one request on its own TLS connection and reads the answer until the server closes the
 * connection (every built request says `Connection: close`), a whole body has arrived, or
 * `timeoutMs` passes (then whatever arrived, status 0 if nothing did).
 */
export function send(port: number, req: FuzzRequest, token: string, timeoutMs: number): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ ...parse(Buffer.concat(chunks)), ms: performance.now() - t0 });
    };
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' });
    const timer = setTimeout(finish, timeoutMs);
    s.on('secureConnect', () => {
      const bytes = wireBytes(req, token);
      if (req.halfClose) s.end(bytes);
      else s.write(bytes);
    });
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      if (complete(Buffer.concat(chunks), req.method === 'HEAD')) finish();
    });
    s.on('end', finish);
    s.on('close', finish);
    s.on('error', finish);
  });
}

function split(buf: Buffer): { head: string; body: Buffer } | undefined {
  const i = buf.indexOf('\r\n\r\n');
  if (i < 0) return undefined;
  return { head: buf.subarray(0, i).toString('latin1'), body: buf.subarray(i + 4) };
}

function headersOf(head: string): Record<string, string> {
  const h: Record<string, string> = {};
  for (const l of head.split('\r\n').slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) h[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return h;
}

function complete(buf: Buffer, head: boolean): boolean {
  const p = split(buf);
  if (!p) return false;
  const h = headersOf(p.head);
  if (/^HTTP\/1\.1 100 /.test(p.head)) return complete(p.body, head);
  if (head) return true;
  if (h['content-length'] !== undefined) return p.body.length >= Number(h['content-length']);
  if (h['transfer-encoding'] === 'chunked') return p.body.subarray(-5).toString('latin1') === '0\r\n\r\n';
  return false;
}

function parse(buf: Buffer): Omit<Answer, 'ms'> {
  let p = split(buf);
  // A 100 Continue comes before the real answer.
  while (p && /^HTTP\/1\.1 100 /.test(p.head)) p = split(p.body);
  if (!p) return { status: 0, headers: {}, body: Buffer.alloc(0) };
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(p.head)?.[1] ?? 0);
  const headers = headersOf(p.head);
  let body = p.body;
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status, headers, body };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i < b.length) {
    const eol = b.indexOf('\r\n', i);
    if (eol < 0) break;
    const n = parseInt(b.subarray(i, eol).toString('latin1'), 16);
    if (!n) break;
    out.push(b.subarray(eol + 2, eol + 2 + n));
    i = eol + 2 + n + 2;
  }
  return Buffer.concat(out);
}

/**
 * What is wrong with an answer, or undefined when it is fine: never a 5xx (a 504 Timeout only for
 * a body that never arrives), a refusal is a well-formed Status whose `code` is the HTTP status and
 * whose `reason` is set, a success is well-formed JSON (or a stream of JSON events for a watch).
 */
export function problem(req: FuzzRequest, a: Answer): string | undefined {
  if (a.status === 0) return req.mayHang ? undefined : `no answer (connection ${a.ms >= 0 ? `ended after ${Math.round(a.ms)} ms` : 'failed'})`;
  if (a.status >= 500) return `status ${a.status}: ${a.body.toString('utf8').slice(0, 300)}`;
  if (a.status === 101) return req.raw ? undefined : 'unexpected upgrade';
  const ct = a.headers['content-type'] ?? '';
  const text = a.body.toString('utf8');
  if (req.method === 'HEAD') return undefined;
  // Node's HTTP parser answers what never reaches the API (an unknown method, a request line or
  // headers over 16 KiB, broken framing) with a bare status line, as Go's server does for kube-apiserver.
  if ([400, 408, 413, 431, 505].includes(a.status) && !ct && a.body.length === 0) return undefined;
  if (a.status >= 400) {
    if (!ct.includes('json')) return req.httpLevel ? undefined : `refusal ${a.status} is not JSON (${ct}): ${text.slice(0, 200)}`;
    let s: Record<string, unknown>;
    try {
      s = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return `refusal ${a.status} is not valid JSON: ${text.slice(0, 200)}`;
    }
    if (s.kind !== 'Status' || s.apiVersion !== 'v1') return `refusal ${a.status} is not a Status: ${text.slice(0, 200)}`;
    if (s.code !== a.status) return `Status code ${String(s.code)} differs from HTTP ${a.status}`;
    if (typeof s.reason !== 'string' || !s.reason) return `Status without a reason: ${text.slice(0, 200)}`;
    if (s.status !== 'Failure') return `Status of a refusal is ${String(s.status)}`;
    return undefined;
  }
  if (!ct.includes('json')) return undefined; // logs, discovery documents of other types
  if (req.watch || a.headers['transfer-encoding'] === 'chunked') {
    for (const line of text.split('\n').filter(Boolean)) {
      try {
        const ev = JSON.parse(line) as { type?: unknown; object?: unknown };
        if (typeof ev.type !== 'string' || ev.object === undefined) return `watch event without type or object: ${line.slice(0, 200)}`;
        if (ev.type === 'ERROR' && (ev.object as { kind?: unknown }).kind !== 'Status') return `ERROR event without a Status: ${line.slice(0, 200)}`;
      } catch {
        if (!req.watch) return `chunked JSON answer does not parse: ${line.slice(0, 200)}`;
        return `watch line is not JSON: ${line.slice(0, 200)}`;
      }
    }
    return undefined;
  }
  try {
    JSON.parse(text);
  } catch {
    return `success ${a.status} is not valid JSON: ${text.slice(0, 200)}`;
  }
  return undefined;
}
