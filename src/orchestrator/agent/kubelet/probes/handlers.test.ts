import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createH2, type Http2Server } from 'node:http2';
import { createServer as createTcp, type AddressInfo, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../util/clock.js';
import { grpcHandler, healthRequest, healthStatus } from './grpc.js';
import { httpHandler, tcpHandler } from './handlers.js';
import { resolvePort } from './prober.js';

let http: Server;
let httpPort: number;
let seen: IncomingHttpHeaders = {};
let h2: Http2Server;
let h2Port: number;
let freePort: number;

const listen = (s: Server | Http2Server | TcpServer) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  http = createServer((req, res) => {
    seen = req.headers;
    if (req.url === '/healthz') return void res.end('ok');
    if (req.url === '/bad') return void res.writeHead(503).end('down');
    if (req.url === '/moved') return void res.writeHead(302, { Location: '/healthz' }).end();
    if (req.url === '/away') return void res.writeHead(301, { Location: 'http://example.invalid/x' }).end();
    if (req.url === '/hang') return; // never answers
    res.writeHead(404).end();
  });
  httpPort = await listen(http);
  // A gRPC health server: SERVING for "", NOT_SERVING for "db", unimplemented for "nope".
  h2 = createH2();
  h2.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const service = body.length > 5 ? body.subarray(7).toString() : '';
      if (headers[':path'] !== '/grpc.health.v1.Health/Check' || service === 'nope') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service' }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      const status = service === 'db' ? 2 : 1;
      const msg = Buffer.from([0x08, status]);
      const head = Buffer.alloc(5);
      head.writeUInt32BE(msg.length, 1);
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.concat([head, msg]));
    });
  });
  h2Port = await listen(h2);
  const t = createTcp();
  freePort = await listen(t);
  await new Promise((r) => t.close(r));
});
afterAll(() => {
  http.close();
  h2.close();
});

const target = (path: string, headers: { name: string; value: string }[] = []) => ({ scheme: 'HTTP' as const, host: '127.0.0.1', port: httpPort, path, headers });

describe('HTTP probe', () => {
  it('succeeds on 2xx with the body, sending the kubelet headers and the probe`s own', async () => {
    expect(await httpHandler(systemClock, target('/healthz', [{ name: 'X-Probe', value: 'yes' }, { name: 'Host', value: 'app.local' }]), 5_000)).toEqual({ ok: true, output: 'ok' });
    expect(seen['user-agent']).toBe('kube-probe/1.32');
    expect(seen['x-probe']).toBe('yes');
    expect(seen.host).toBe('app.local');
  });
  it('fails on 5xx with the kubelet message', async () => {
    expect(await httpHandler(systemClock, target('/bad'), 5_000)).toEqual({ ok: false, output: 'HTTP probe failed with statuscode: 503' });
  });
  it('follows a redirect on the same host; a redirect elsewhere counts as success', async () => {
    expect(await httpHandler(systemClock, target('/moved'), 5_000)).toEqual({ ok: true, output: 'ok' });
    expect((await httpHandler(systemClock, target('/away'), 5_000)).ok).toBe(true);
  });
  it('reports a refused connection and a timeout as Go would', async () => {
    expect(await httpHandler(systemClock, { ...target('/'), port: freePort }, 5_000)).toEqual({ ok: false, output: `Get "http://127.0.0.1:${freePort}/": dial tcp 127.0.0.1:${freePort}: connect: connection refused` });
    expect((await httpHandler(systemClock, target('/hang'), 300)).output).toBe(`Get "http://127.0.0.1:${httpPort}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
  });
});

describe('TCP probe', () => {
  it('succeeds when the port accepts, fails when refused', async () => {
    expect(await tcpHandler(systemClock, '127.0.0.1', httpPort, 5_000)).toEqual({ ok: true, output: '' });
    expect(await tcpHandler(systemClock, '127.0.0.1', freePort, 5_000)).toEqual({ ok: false, output: `dial tcp 127.0.0.1:${freePort}: connect: connection refused` });
  });
});

describe('gRPC probe', () => {
  it('encodes the request and decodes the status', () => {
    expect([...healthRequest('db')]).toEqual([0, 0, 0, 0, 4, 0x0a, 2, 0x64, 0x62]);
    expect([...healthRequest('')]).toEqual([0, 0, 0, 0, 0]);
    expect(healthStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 1]))).toBe(1);
  });
  it('speaks grpc.health.v1.Health/Check over HTTP/2', async () => {
    expect(await grpcHandler(systemClock, '127.0.0.1', h2Port, '', 5_000)).toEqual({ ok: true, output: 'service healthy' });
    expect(await grpcHandler(systemClock, '127.0.0.1', h2Port, 'db', 5_000)).toEqual({ ok: false, output: 'service unhealthy (responded with "NOT_SERVING")' });
    expect((await grpcHandler(systemClock, '127.0.0.1', h2Port, 'nope', 5_000)).output).toMatch(/^error: this server does not implement the grpc health protocol/);
    expect((await grpcHandler(systemClock, '127.0.0.1', freePort, '', 5_000)).output).toMatch(new RegExp(`^timeout: failed to connect service "127.0.0.1:${freePort}" within 5s`));
  });
});

describe('ports by name', () => {
  it('resolves a named container port, and says which is missing', () => {
    const c = { name: 'web', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] };
    expect(resolvePort('http', c)).toBe(8080);
    expect(resolvePort(81, c)).toBe(81);
    expect(() => resolvePort('admin', c)).toThrow('couldn\'t find port: admin in container web');
  });
});
