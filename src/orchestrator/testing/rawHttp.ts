import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** What came back on the wire: the status line's code (0 when the server closed without one) and the body. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

/**
 * Sends `request` byte for byte (no client library tidies it up: `GET // HTTP/1.1`, bad escapes,
 * bodies shorter than their Content-Length) and reads until the server closes, `Content-Length`
 * bytes of body arrived, or a chunked body ended. For tests of servers against what hostile clients send.
 */
export function rawRequest(port: number, request: string | Buffer, opts: { tls?: boolean; timeoutMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const s: Socket = opts.tls ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : netConnect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(parse(Buffer.concat(chunks).toString('utf8')));
    };
    const timer = setTimeout(done, opts.timeoutMs ?? 30_000);
    s.on(opts.tls ? 'secureConnect' : 'connect', () => s.write(request));
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('utf8');
      const a = parse(text);
      const len = Number(a.headers['content-length'] ?? NaN);
      if (Number.isFinite(len) && Buffer.byteLength(a.body) >= len) done();
      if (a.headers['transfer-encoding'] === 'chunked' && text.endsWith('\r\n0\r\n\r\n')) done();
    });
    s.on('end', done);
    s.on('close', done);
    s.on('error', (e) => {
      if (chunks.length) done();
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(e);
      }
    });
  });
}

function parse(raw: string): RawAnswer {
  const head = raw.indexOf('\r\n\r\n');
  const lines = (head < 0 ? raw : raw.slice(0, head)).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = head < 0 ? '' : raw.slice(head + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status, headers, body, raw };
}

function dechunk(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const eol = s.indexOf('\r\n', i);
    if (eol < 0) break;
    const n = parseInt(s.slice(i, eol), 16);
    if (!n) break;
    out += s.slice(eol + 2, eol + 2 + n);
    i = eol + 2 + n + 2;
  }
  return out;
}
