import { Agent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// Watch consistency over HTTP: exactly once, in order, across many concurrent writers; bookmarks;
// 410 Expired for a version the server no longer has.
let c: CompatCluster;
let agent: Agent;

interface WatchEvent {
  type: string;
  object: { kind: string; metadata: { name?: string; resourceVersion: string; annotations?: Record<string, string> }; data?: Record<string, string>; code?: number; reason?: string };
}

/** An HTTP watch, collecting events until `stop()` or the server ends it. */
function watch(path: string): { events: WatchEvent[]; ended: Promise<void>; stop(): void } {
  const events: WatchEvent[] = [];
  let buf = '';
  let stop = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    const req = request(new URL(path, c.t.cp.apiUrl), { ca: c.t.cp.caPem, headers: { authorization: `Bearer ${c.token()}` } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`watch answered ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line) as WatchEvent);
        }
      });
      res.on('end', () => resolve());
      res.on('close', () => resolve());
    });
    req.on('error', (e) => (e.message.includes('aborted') ? resolve() : reject(e)));
    req.end();
    stop = () => req.destroy();
  });
  return { events, ended, stop: () => stop() };
}

function write(method: string, path: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; rv: string; name: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(new URL(path, c.t.cp.apiUrl), { method, agent, ca: c.t.cp.caPem, headers: { authorization: `Bearer ${c.token()}`, 'content-type': contentType, 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const o = JSON.parse(Buffer.concat(chunks).toString()) as { metadata?: { resourceVersion?: string; name?: string } };
        resolve({ status: res.statusCode ?? 0, rv: o.metadata?.resourceVersion ?? '', name: o.metadata?.name ?? '' });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const NS = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  c = await startCompatCluster('compat-watch', { localNode: 'off' });
  agent = new Agent({ keepAlive: true, maxSockets: 64, ca: c.t.cp.caPem });
});

afterAll(async () => {
  agent?.destroy();
  await c?.stop();
});

describe('watch over HTTP', () => {
  it('sees each of 1,000 concurrent writes exactly once, in resourceVersion order', async () => {
    // 100 objects exist first; then 500 creates and 500 patches of those 100 race each other.
    for (let i = 0; i < 100; i++) expect((await write('POST', NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `base-${i}` }, data: { n: '0' } })).status).toBe(201);
    const list = JSON.parse((await c.api('GET', NS)).body) as { metadata: { resourceVersion: string } };
    const w = watch(`${NS}?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    const writes: Promise<{ status: number; rv: string; name: string }>[] = [];
    for (let i = 0; i < 500; i++) {
      writes.push(write('POST', NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `new-${i}` }, data: { n: String(i) } }));
      writes.push(write('PATCH', `${NS}/base-${i % 100}`, { data: { [`k${i}`]: String(i) } }, 'application/merge-patch+json'));
    }
    const results = await Promise.all(writes);
    expect(results.filter((r) => r.status !== 200 && r.status !== 201)).toEqual([]);
    await eventually('1,000 events', () => w.events.length >= 1000, 30_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    w.stop();
    expect(w.events).toHaveLength(1000);
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    for (let i = 1; i < rvs.length; i++) expect(rvs[i]).toBeGreaterThan(rvs[i - 1] as number);
    // Every acknowledged write is in the stream once, with the version it was acknowledged at.
    expect(new Set(rvs)).toEqual(new Set(results.map((r) => Number(r.rv))));
    expect(w.events.filter((e) => e.type === 'ADDED')).toHaveLength(500);
    expect(w.events.filter((e) => e.type === 'MODIFIED')).toHaveLength(500);
    // The last event of each base object carries all 5 of its patches.
    const last = new Map<string, WatchEvent>();
    for (const e of w.events) last.set(e.object.metadata.name ?? '', e);
    for (let b = 0; b < 100; b++) expect(Object.keys(last.get(`base-${b}`)?.object.data ?? {})).toHaveLength(6);

    // A second watcher resuming from the middle replays exactly the rest.
    const mid = rvs[499] as number;
    const replay = watch(`${NS}?watch=true&resourceVersion=${mid}`);
    await eventually('the replay', () => replay.events.length >= 500, 60_000, 50);
    await new Promise((r) => setTimeout(r, 200));
    replay.stop();
    expect(replay.events.map((e) => Number(e.object.metadata.resourceVersion))).toEqual(rvs.slice(500));
  });

  it('sends bookmarks when asked (allowWatchBookmarks), the last one just before the timeout', async () => {
    const rv = JSON.parse((await c.api('GET', NS)).body).metadata.resourceVersion as string;
    const started = Date.now();
    const w = watch(`${NS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=4`);
    await write('POST', NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'marked' } });
    await w.ended;
    const elapsed = Date.now() - started;
    // Ended by timeoutSeconds (not at once, and not left open): the bound is loose for a loaded machine.
    expect(elapsed).toBeGreaterThanOrEqual(3500);
    expect(elapsed).toBeLessThan(30_000);
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    const bm = w.events[1] as WatchEvent;
    expect(bm.object).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
    expect(Number(bm.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(w.events[0]?.object.metadata.resourceVersion));
    // Without the flag, no bookmark.
    const plain = watch(`${NS}?watch=true&resourceVersion=${bm.object.metadata.resourceVersion}&timeoutSeconds=3`);
    await plain.ended;
    expect(plain.events).toEqual([]);
  });

  it('sendInitialEvents streams the current objects, then an initial-events-end bookmark', async () => {
    const w = watch(`${NS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=&fieldSelector=metadata.name%3Dmarked&timeoutSeconds=3`);
    await w.ended;
    expect(w.events.map((e) => `${e.type}:${e.object.metadata.name ?? ''}`)).toEqual(['ADDED:marked', 'BOOKMARK:', 'BOOKMARK:']);
    expect(w.events[1]?.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });

  it('a version from before a restart is 410 Expired; the list after it is not', async () => {
    const old = JSON.parse((await c.api('GET', NS)).body).metadata.resourceVersion as string;
    await write('POST', NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before-restart' } });
    await c.restart();
    const w = watch(`${NS}?watch=true&resourceVersion=${old}`);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    const fresh = JSON.parse((await c.api('GET', NS)).body).metadata.resourceVersion as string;
    const ok = watch(`${NS}?watch=true&resourceVersion=${fresh}&timeoutSeconds=2`);
    await write('POST', NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' } });
    await ok.ended;
    expect(ok.events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:after-restart']);
  });
});
