import { request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../util/logger.js';
import { IngressProxyServer } from './proxyServer.js';
import { buildRouteTable } from './routeTable.js';

/** A port nothing listens on now (the OS picks it; closed again before use). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function status(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ingress proxy server', () => {
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('opens both ports or neither: a taken HTTPS port leaves HTTP closed too, and says which port and why', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '0.0.0.0', r));
    closers.push(() => void taken.close());
    const busy = (taken.address() as AddressInfo).port;
    const http = await freePort();
    const p = new IngressProxyServer(silentLogger);
    closers.push(() => p.close());
    await expect(p.listen({ http, https: busy })).rejects.toThrow(`cannot listen on port ${busy}: another program on this host already uses it`);
    expect(p.listening()).toEqual({ http: 0, https: 0 });
    await expect(status(http, 'x')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('answers 404 with no route and 503 naming a backend without ready endpoints', async () => {
    const http = await freePort();
    const p = new IngressProxyServer(silentLogger);
    closers.push(() => p.close());
    await p.listen({ http, https: 0 });
    const table = buildRouteTable({
      ingresses: [{ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' }, spec: { rules: [{ host: 'a.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } }],
      services: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }],
      slices: [],
    });
    p.update(table, new Map());
    expect(await status(http, 'b.test')).toEqual({ status: 404, body: '404 page not found\n' });
    expect(await status(http, 'a.test')).toEqual({ status: 503, body: 'no ready endpoint for default/web:80\n' });
  });
});
