import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawRequest } from '../../testing/rawHttp.js';
import { silentLogger } from '../../util/logger.js';
import { kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';
import { engineSince } from '../runtime/docker.js';
import { sinceEpoch, startKubeletServer, type KubeletServer } from './server.js';

const TOKEN = 'node-token-123';
let f: KubeletFixture;
let server: KubeletServer;

beforeEach(async () => {
  f = await kubeletFixture();
  server = await startKubeletServer({ port: 0, token: TOKEN, pods: f.kubelet.pods, runtime: f.runtime, clock: f.clock, log: silentLogger });
});
afterEach(async () => {
  await server.close();
  await f.dispose();
});

/** GET; resolves with the status and the whole body (or, with `until`, the body so far once it contains `until`). */
function get(path: string, token: string | null = TOKEN, until?: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        if (until && body.includes(until)) {
          resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] });
          req.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('kubelet server', () => {
  it('answers /healthz without a token', async () => {
    expect(await get('/healthz', null)).toMatchObject({ status: 200, body: 'ok' });
  });

  it('answers malformed request targets and escapes with a 400, on requests and upgrades alike', async () => {
    await f.createPod('p');
    const auth = `Authorization: Bearer ${TOKEN}\r\n`;
    for (const target of ['//', '/containerLogs/default/p/%E0%A4%A', '/containerLogs/default/%zz/main', '*']) {
      const plain = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: k\r\n${auth}Connection: close\r\n\r\n`);
      expect(plain.status === 400 || plain.status === 404, `${target}: ${plain.status}`).toBe(true);
      const up = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: k\r\n${auth}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      expect(up.status === 400 || up.status === 404, `upgrade ${target}: ${up.status}`).toBe(true);
    }
    expect((await rawRequest(server.port, `GET /containerLogs/default/p/%E0%A4%A HTTP/1.1\r\nHost: k\r\n${auth}\r\n`)).status).toBe(400);
    expect(await get('/healthz', null)).toMatchObject({ status: 200, body: 'ok' });
  });

  it.each([null, 'wrong', `${TOKEN}x`])('refuses token %j with 401', async (token) => {
    await f.createPod('p');
    expect((await get('/containerLogs/default/p/main', token)).status).toBe(401);
  });

  it('streams the current run, with tailLines, and the previous run', async () => {
    await f.createPod('p');
    const first = f.containersOf('p')[0]!.id;
    f.runtime.write(first, 'first run line 1');
    f.runtime.write(first, 'first run line 2');
    let r = await get('/containerLogs/default/p/main');
    expect(r).toMatchObject({ status: 200, body: 'first run line 1\nfirst run line 2\n' });
    expect(r.type).toContain('text/plain');
    expect((await get('/containerLogs/default/p/main?tailLines=1')).body).toBe('first run line 2\n');
    expect((await get('/containerLogs/default/p/main?previous=true')).status).toBe(400);

    f.runtime.crash(first, 1);
    await f.settle();
    const second = f.containersOf('p')[1]!.id;
    f.runtime.write(second, 'second run');
    expect((await get('/containerLogs/default/p/main')).body).toBe('second run\n');
    expect((await get('/containerLogs/default/p/main?previous=true')).body).toBe('first run line 1\nfirst run line 2\n');
  });

  it('follows until the client goes away', async () => {
    await f.createPod('p');
    const id = f.containersOf('p')[0]!.id;
    f.runtime.write(id, 'before');
    const pending = get('/containerLogs/default/p/main?follow=true', TOKEN, 'after');
    await new Promise((r) => setTimeout(r, 50));
    f.runtime.write(id, 'after');
    expect((await pending).body).toBe('before\nafter\n');
  });

  it('applies timestamps and limitBytes', async () => {
    await f.createPod('p');
    const id = f.containersOf('p')[0]!.id;
    f.runtime.write(id, 'abcdefghij');
    expect((await get('/containerLogs/default/p/main?timestamps=true')).body).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z abcdefghij\n$/);
    expect((await get('/containerLogs/default/p/main?limitBytes=4')).body).toBe('abcd');
  });

  it('resumes from sinceTime (inclusive), to the microsecond', async () => {
    await f.createPod('p');
    const id = f.containersOf('p')[0]!.id;
    f.runtime.write(id, 'old');
    await f.clock.advance(1500);
    f.runtime.write(id, 'new');
    const stamped = (await get('/containerLogs/default/p/main?timestamps=true')).body.trim().split('\n');
    const at = stamped[1]?.split(' ')[0] as string;
    expect((await get(`/containerLogs/default/p/main?sinceTime=${encodeURIComponent(at)}`)).body).toBe('new\n');
    expect((await get('/containerLogs/default/p/main?sinceTime=yesterday')).status).toBe(400);
    expect(sinceEpoch('2026-01-01T00:00:01.5Z')).toBe(Date.UTC(2026, 0, 1) / 1000 + 1.5);
    expect(sinceEpoch('2026-01-01T00:00:01.123456789+00:00')).toBeCloseTo(Date.UTC(2026, 0, 1) / 1000 + 1.123456, 6);
    expect(engineSince(1700000000.000123)).toBe('1700000000.000123');
  });

  it.each([
    ['/containerLogs/default/nope/main', 404, 'pod "nope" not found'],
    ['/containerLogs/default/p/other', 400, 'container other is not valid for pod p'],
    ['/containerLogs/default/p/main?tailLines=-1', 400, 'tailLines'],
    ['/nothing', 404, 'not found'],
  ])('%s -> %i', async (path, status, message) => {
    await f.createPod('p');
    const r = await get(path);
    expect(r.status).toBe(status);
    expect(r.body).toContain(message);
  });

  it('says a container is waiting to start', async () => {
    await f.createPod('w', { containers: [{ name: 'main', image: 'local/absent:1', imagePullPolicy: 'Never' }] });
    const r = await get('/containerLogs/default/w/main');
    expect(r).toMatchObject({ status: 400 });
    expect(r.body).toContain('is waiting to start: ErrImageNeverPull');
  });
});
