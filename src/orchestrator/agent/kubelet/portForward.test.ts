import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../../util/logger.js';
import { isSandbox } from '../net/sandbox.js';
import { kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';
import { rawToBuffer } from '../../client/remotecommand.js';
import { startKubeletServer, type KubeletServer } from './server.js';
import { dialSpdyTunnel } from './spdyTestClient.js';

const TOKEN = 'node-token-pf';
let f: KubeletFixture;
let server: KubeletServer;
/** Stands in for the pod: answers `<port>:<what it received>` when the client half-closes, then closes. */
let pod: Server;
let podPort: number;
const dials: { ip: string; port: number }[] = [];
const podConns = new Set<Socket>();

beforeEach(async () => {
  dials.length = 0;
  pod = createServer({ allowHalfOpen: true }, (s) => {
    podConns.add(s);
    s.on('close', () => podConns.delete(s));
    let got = '';
    s.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.includes('!')) s.write(`early:${got}`);
    });
    s.on('end', () => s.end(`pod got:${got}`));
  });
  await new Promise<void>((r) => pod.listen(0, '127.0.0.1', () => r()));
  podPort = (pod.address() as { port: number }).port;
  f = await kubeletFixture();
  server = await startKubeletServer({
    port: 0,
    token: TOKEN,
    pods: f.kubelet.pods,
    runtime: f.runtime,
    clock: f.clock,
    log: silentLogger,
    // Every pod port is the test server; port 1 refuses.
    dialPod: (ip, port) => {
      dials.push({ ip, port });
      return new Promise<Duplex>((resolve, reject) => {
        const s = connect(port === 1 ? 1 : podPort, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    },
  });
});
afterEach(async () => {
  await server.close();
  for (const s of podConns) s.destroy();
  await new Promise((r) => pod.close(r));
  await f.dispose();
});

describe('kubelet port-forward over the SPDY tunnel (kubectl)', () => {
  it('echoes the subprotocol, pairs data and error streams by request id, and carries bytes both ways', async () => {
    const p = await f.createPod('p');
    const ip = (await f.pod('p')).status?.podIP;
    expect(ip).toBeTruthy();
    const t = await dialSpdyTunnel({ host: '127.0.0.1', port: server.port, path: '/portForward/default/p', headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(t.protocol).toBe('SPDY/3.1+portforward.k8s.io');
    const c = t.client;
    // As kubectl: the error stream first (the client half-closes it at once), then the data stream.
    const err = await c.open({ streamtype: 'error', port: '80', requestid: '0' });
    c.write(err, Buffer.alloc(0), true);
    const data = await c.open({ streamtype: 'data', port: '80', requestid: '0' });
    await c.until('replies', () => c.stream(err).replied && c.stream(data).replied);
    c.write(data, Buffer.from('GET / HTTP/1.0\r\n\r\n'));
    c.write(data, Buffer.alloc(0), true);
    await c.until('data FIN then error FIN', () => c.stream(data).fin && c.stream(err).fin);
    expect(c.text(data)).toBe('pod got:GET / HTTP/1.0\r\n\r\n');
    expect(c.text(err)).toBe('');
    expect(dials).toEqual([{ ip, port: 80 }]);
    expect(p.metadata.uid).toBeTruthy();

    // A second, concurrent pair on the same session; the client resets it after reading (as kubectl does).
    const e2 = await c.open({ streamtype: 'error', port: '8080', requestid: '1' });
    const d2 = await c.open({ streamtype: 'data', port: '8080', requestid: '1' });
    const e3 = await c.open({ streamtype: 'error', port: '8080', requestid: '2' });
    const d3 = await c.open({ streamtype: 'data', port: '8080', requestid: '2' });
    c.write(d3, Buffer.from('three!'));
    c.write(d2, Buffer.from('two!'));
    await c.until('both early answers', () => c.text(d2).includes('early:two!') && c.text(d3).includes('early:three!'));
    c.reset(d2);
    c.write(d3, Buffer.alloc(0), true);
    await c.until('third done', () => c.stream(d3).fin && c.stream(e3).fin);
    expect(c.text(d3)).toBe('early:three!pod got:three!');
    await c.until('second error stream ended after its reset', () => c.stream(e2).fin);
    c.ping(1);
    await c.until('pong', () => c.pings.includes(1));
    t.socket.destroy();
    c.close();
  });

  it('reports a failed connection to the pod on the error stream, as the kubelet words it', async () => {
    const p = await f.createPod('p');
    const t = await dialSpdyTunnel({ host: '127.0.0.1', port: server.port, path: '/portForward/default/p', headers: { Authorization: `Bearer ${TOKEN}` } });
    const c = t.client;
    const err = await c.open({ streamtype: 'error', port: '1', requestid: '0' });
    const data = await c.open({ streamtype: 'data', port: '1', requestid: '0' });
    await c.until('error stream closed', () => c.stream(err).fin && c.stream(data).fin);
    expect(c.text(err)).toMatch(new RegExp(`^error forwarding port 1 to pod p, uid ${p.metadata.uid}: .*ECONNREFUSED`));
    t.socket.destroy();
    c.close();
  });

  it('refuses streams without a valid port, type or request id', async () => {
    await f.createPod('p');
    const t = await dialSpdyTunnel({ host: '127.0.0.1', port: server.port, path: '/portForward/default/p', headers: { Authorization: `Bearer ${TOKEN}` } });
    const c = t.client;
    const a = await c.open({ streamtype: 'data', port: 'http', requestid: '0' });
    const b = await c.open({ streamtype: 'other', port: '80', requestid: '0' });
    const d = await c.open({ streamtype: 'data', port: '80' });
    await c.until('resets', () => [a, b, d].every((id) => c.stream(id).reset === 1));
    expect(dials).toEqual([]);
    t.socket.destroy();
    c.close();
  });

  it('refuses without a token, for an unknown pod, and for a pod without an IP', async () => {
    await f.createPod('p');
    // A pod whose sandbox cannot start has no IP.
    f.runtime.behavior = (spec) => (isSandbox(spec.labels) ? { startError: 'no network for you' } : undefined);
    await f.createPod('w');
    const dial = (path: string, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) => dialSpdyTunnel({ host: '127.0.0.1', port: server.port, path, headers });
    await expect(dial('/portForward/default/p', {})).rejects.toThrow('401');
    await expect(dial('/portForward/default/nope')).rejects.toThrow('404 pod "nope" not found');
    await expect(dial('/portForward/default/w')).rejects.toThrow('400 pod "w" has no IP address yet');
  });
});

describe('kubelet port-forward over v4 channels (the JS client)', () => {
  function openChannels(path: string): Promise<{ ws: WebSocket; messages: [number, Buffer][]; closed: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'], { headers: { Authorization: `Bearer ${TOKEN}` } });
      const messages: [number, Buffer][] = [];
      ws.on('message', (d) => {
        const b = rawToBuffer(d);
        messages.push([b[0] as number, b.subarray(1)]);
      });
      const closed = new Promise<void>((r) => ws.on('close', () => r()));
      ws.on('unexpected-response', (_q, res) => reject(new Error(String(res.statusCode))));
      ws.on('open', () => resolve({ ws, messages, closed }));
    });
  }

  it('prefixes the first message of each channel with the port, then relays data on channel 0', async () => {
    await f.createPod('p');
    const { ws, messages, closed } = await openChannels('/portForward/default/p?ports=8080');
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hi!')]));
    await expect.poll(() => Buffer.concat(messages.filter((m) => m[0] === 0).map((m) => m[1])).subarray(2).toString()).toBe('early:hi!');
    expect(messages.slice(0, 2)).toEqual([
      [0, Buffer.from([0x90, 0x1f])],
      [1, Buffer.from([0x90, 0x1f])],
    ]);
    expect(dials.map((d) => d.port)).toEqual([8080]);
    ws.close();
    await closed;
  });

  it('sends a connect failure on the error channel and closes', async () => {
    await f.createPod('p');
    const { messages, closed } = await openChannels('/portForward/default/p?ports=1');
    await closed;
    expect(messages.filter((m) => m[0] === 1).map((m) => m[1].toString()).join('')).toMatch(/error forwarding port 1 to pod p, uid .*ECONNREFUSED/);
  });

  it('requires ports', async () => {
    await f.createPod('p');
    await expect(openChannels('/portForward/default/p')).rejects.toThrow('400');
    await expect(openChannels('/portForward/default/p?ports=70000')).rejects.toThrow('400');
  });
});
