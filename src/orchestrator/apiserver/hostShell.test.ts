import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rawToBuffer } from '../client/remotecommand.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { silentLogger } from '../util/logger.js';
import { issueNodeToken, TokenAuthenticator } from './auth.js';
import { Authorization } from './authz/index.js';
import { createApiHandler } from './handler.js';
import { HostShells, type ShellProcess } from '../client/hostShells.js';
import { initialSize } from './hostShell.js';

const ADMIN = 'admin-token-shell-test';
let cluster: Awaited<ReturnType<typeof memoryCluster>>;
let api: Server;
let port: number;
let auth: TokenAuthenticator;
let authz: Authorization;
let shells: HostShells;
const opened: { cols: number; rows: number }[] = [];
const resized: [number, number][] = [];

/** A shell that echoes what it is sent, upper-cased, and exits 3 on "exit\n". */
function fakeShell(): ShellProcess {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let exit!: (c: number) => void;
  const done = new Promise<number>((r) => (exit = r));
  stdin.on('data', (d: Buffer) => {
    if (d.toString() === 'exit\n') {
      stdout.end();
      exit(3);
    } else stdout.write(d.toString().toUpperCase());
  });
  return { stdin, stdout, resize: async (w, h) => void resized.push([w, h]), wait: () => done, close: () => exit(-1) };
}

beforeEach(async () => {
  opened.length = 0;
  resized.length = 0;
  cluster = await memoryCluster();
  await cluster.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
  auth = await TokenAuthenticator.create(ADMIN, cluster.store);
  authz = await Authorization.create(cluster.registry.objects);
  shells = new HostShells();
  const handler = createApiHandler({ registry: cluster.registry, clock: cluster.clock, log: silentLogger, authenticator: auth, authz, serverAddress: '127.0.0.1', dialer: { dial: () => Promise.reject(new Error('no nodes')) }, hostShells: shells });
  api = createServer(handler);
  api.on('upgrade', (req, socket: Duplex, head: Buffer) => handler.upgrade?.(req, socket, head));
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
  port = (api.address() as AddressInfo).port;
});

afterEach(async () => {
  api.closeAllConnections();
  await new Promise((r) => api.close(r));
  auth.dispose();
  authz.dispose();
  cluster.dispose();
});

const PATH = '/apis/skiff.dev/v1alpha1/hosts/h1/shell';

function connect(path: string, token: string): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${port}${path}`, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { headers: { Authorization: `Bearer ${token}` } });
}

function refusal(ws: WebSocket): Promise<{ code: number; status: { message?: string; reason?: string } }> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, status: JSON.parse(body) as { message?: string } }));
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
  });
}

describe('hosts/NAME/shell', () => {
  it('runs a shell over the exec channel protocol: stdin, stdout, resize, then the exit status', async () => {
    const reg = shells.register('h1', {
      open: async (size) => {
        opened.push(size);
        return fakeShell();
      },
    });
    const ws = connect(`${PATH}?cols=120&rows=40`, ADMIN);
    const got: [number, string][] = [];
    ws.on('message', (d) => {
      const b = rawToBuffer(d);
      got.push([b[0] as number, b.subarray(1).toString()]);
    });
    await new Promise((r) => ws.on('open', r));
    expect(ws.protocol).toBe('v5.channel.k8s.io');
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":90,"Height":33}')]));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello')]));
    await expect.poll(() => got.filter(([c]) => c === 1).map(([, t]) => t).join('')).toBe('HELLO');
    expect(resized).toEqual([[90, 33]]);
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('exit\n')]));
    await new Promise((r) => ws.on('close', r));
    const status = JSON.parse(got.find(([c]) => c === 3)?.[1] ?? '{}') as { status?: string; details?: { causes?: { message: string }[] } };
    expect(status.status).toBe('Failure');
    expect(status.details?.causes?.[0]?.message).toBe('3');
    expect(opened).toEqual([{ cols: 120, rows: 40 }]);
    reg.dispose();
  });

  it('refuses anyone but the cluster administrators, and a host with no connection', async () => {
    shells.register('h1', { open: async () => fakeShell() });
    const nodeToken = await issueNodeToken(cluster.client, 'n1');
    const denied = await refusal(connect(PATH, nodeToken));
    expect(denied.code).toBe(403);
    expect(denied.status.message).toContain('hosts');
    const missing = await refusal(connect(PATH.replace('h1', 'h2'), ADMIN));
    expect(missing.code).toBe(503);
    expect(missing.status.message).toBe('host h2 is not connected: Skiff holds no SSH connection to it right now');
    expect((await refusal(connect(PATH, 'nope'))).code).toBe(401);
  });

  it('reads the first size from the query, within what a pty accepts', () => {
    expect(initialSize(new URLSearchParams('cols=100&rows=30'))).toEqual({ cols: 100, rows: 30 });
    expect(initialSize(new URLSearchParams('cols=-1&rows=x'))).toEqual({ cols: 80, rows: 24 });
    expect(initialSize(new URLSearchParams('cols=99999'))).toEqual({ cols: 1000, rows: 24 });
  });
});
