import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../support/controlPlane.js';

// The watch cache through the real kubectl and raw HTTPS: chunked lists (limit/continue) return
// every pod exactly once, pages hold still while writes happen between them, and a watch from a
// list's resourceVersion sees every later write once, in order.
const PODS = 1050;
let t: TestControlPlane;
let agent: Agent;

/** A pod nobody schedules (no scheduler serves `paging-idle`): the test measures the API alone. */
const pod = (name: string, labels: Record<string, string> = { set: 'paging' }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { schedulerName: 'paging-idle', containers: [{ name: 'c', image: 'local/busybox:1' }] },
});

function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, t.cp.apiUrl),
      { method, agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** The admin token (the kubeconfig's). */
let token = '';

/** Runs `n` tasks, `width` at a time. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await task(next++);
  }));
}

beforeAll(async () => {
  t = await startTestControlPlane({ localNode: 'off' });
  token = readFileSync(join(t.home, 'admin.token'), 'utf8').trim();
  agent = new Agent({ keepAlive: true, ca: t.cp.caPem, maxSockets: 8 });
  await pool(PODS, 8, async (i) => {
    await t.cp.client.create('pods', pod(`p-${String(i).padStart(4, '0')}`));
  });
});

afterAll(async () => {
  agent?.destroy();
  await t?.stop();
});

describe('chunked lists and watches from the watch cache', () => {
  it('kubectl get pods --chunk-size=100 pages through 1,050 pods and prints each exactly once', async () => {
    const r = await t.kubectl.run(['get', 'pods', '-n', 'default', '-l', 'set=paging', '--chunk-size=100', '-o', 'name', '-v=6'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const names = r.stdout.trim().split('\n');
    expect(names).toHaveLength(PODS);
    expect(new Set(names).size).toBe(PODS);
    expect(names[0]).toBe('pod/p-0000');
    expect(names.at(-1)).toBe(`pod/p-${String(PODS - 1).padStart(4, '0')}`);
    // It really paged: eleven requests, each after the first carrying the previous page's token.
    const gets = r.stderr.split('\n').filter((l) => /GET https:\/\/\S+\/api\/v1\/namespaces\/default\/pods\?.*limit=100/.test(l));
    expect(gets).toHaveLength(11);
    expect(gets.slice(1).every((l) => l.includes('continue='))).toBe(true);
    // The Table kubectl prints by default pages the same way.
    const table = await t.kubectl.ok(['get', 'pods', '-n', 'default', '-l', 'set=paging', '--chunk-size=100', '--no-headers'], { timeoutMs: 120_000 });
    const rows = table.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    expect(rows).toHaveLength(PODS);
    expect(new Set(rows).size).toBe(PODS);
  });

  it('keeps every page at the first page’s revision while pods are created and deleted between pages', async () => {
    const before = ((await api('GET', '/api/v1/namespaces/default/pods?labelSelector=set%3Dpaging')).json.items as { metadata: { name: string } }[]).map((p) => p.metadata.name);
    const seen: string[] = [];
    let cont = '';
    let page = 0;
    let rv = '';
    do {
      const r = await api('GET', `/api/v1/namespaces/default/pods?labelSelector=set%3Dpaging&limit=100${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      expect(r.status).toBe(200);
      const meta = r.json.metadata as { continue?: string; resourceVersion: string };
      if (!rv) rv = meta.resourceVersion;
      expect(meta.resourceVersion).toBe(rv);
      seen.push(...(r.json.items as { metadata: { name: string } }[]).map((p) => p.metadata.name));
      cont = meta.continue ?? '';
      // Between pages: a pod before and after the cursor appears, one already listed and one not yet listed go.
      await api('POST', '/api/v1/namespaces/default/pods', pod(`p-0000-extra-${page}`));
      await api('POST', '/api/v1/namespaces/default/pods', pod(`q-extra-${page}`));
      await api('DELETE', `/api/v1/namespaces/default/pods/p-${String(page * 100 + 150).padStart(4, '0')}`);
      page++;
    } while (cont);
    expect(seen).toEqual(before);
  });

  it('a watch from a list’s resourceVersion sees every later write exactly once, in order', async () => {
    const list = await api('GET', '/api/v1/namespaces/default/pods?limit=100');
    const rv = (list.json.metadata as { resourceVersion: string }).resourceVersion;
    const events: { type: string; name: string; rv: number }[] = [];
    let buf = '';
    const req = request(new URL(`/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, t.cp.apiUrl), { ca: t.cp.caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const e = JSON.parse(buf.slice(0, i)) as { type: string; object: { metadata: { name: string; resourceVersion: string } } };
          buf = buf.slice(i + 1);
          events.push({ type: e.type, name: e.object.metadata.name, rv: Number(e.object.metadata.resourceVersion) });
        }
      });
    });
    req.on('error', () => {});
    req.end();
    // Writes from 8 clients at once: creates, label changes, deletes; each acknowledged with its revision.
    const acked: { type: string; name: string; rv: number }[] = [];
    await pool(300, 8, async (i) => {
      const name = `w-${i}`;
      const c = await api('POST', '/api/v1/namespaces/default/pods', pod(name, { set: 'watch' }));
      acked.push({ type: 'ADDED', name, rv: Number((c.json.metadata as { resourceVersion: string }).resourceVersion) });
      if (i % 3 === 0) {
        const d = await api('DELETE', `/api/v1/namespaces/default/pods/${name}`);
        acked.push({ type: 'DELETED', name, rv: Number((d.json.metadata as { resourceVersion: string }).resourceVersion) });
      }
    });
    // Those writes, plus whatever the earlier tests' writes left after rv (none: they finished before the list).
    const deadline = Date.now() + 60_000;
    while (events.filter((e) => e.name.startsWith('w-')).length < acked.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    req.destroy();
    const mine = events.filter((e) => e.name.startsWith('w-'));
    expect(mine).toEqual([...acked].sort((a, b) => a.rv - b.rv));
    expect(events.every((e, i) => i === 0 || e.rv > (events[i - 1] as { rv: number }).rv)).toBe(true);
  });
});

describe('chunked lists from the store (Events, which the watch cache leaves out)', () => {
  it('kubectl get events --chunk-size=40 pages through 130 Events, each printed once', async () => {
    await t.cp.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging-events' } });
    await pool(130, 8, async (i) => {
      const name = `ev-${String(i).padStart(3, '0')}`;
      await t.cp.client.create('events', {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: 'paging-events' },
        involvedObject: { kind: 'Pod', namespace: 'paging-events', name: `pod-${i}` },
        reason: 'Paged',
        message: `event ${i}`,
        type: 'Normal',
      });
    });
    const r = await t.kubectl.run(['get', 'events', '-n', 'paging-events', '--chunk-size=40', '-o', 'name', '-v=6'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const names = r.stdout.trim().split('\n');
    expect(names).toHaveLength(130);
    expect(new Set(names).size).toBe(130);
    // Four requests, each after the first carrying the previous page's token, all at one revision.
    const gets = r.stderr.split('\n').filter((l) => /GET https:\/\/\S+\/api\/v1\/namespaces\/paging-events\/events\?.*limit=40/.test(l));
    expect(gets).toHaveLength(4);
    expect(gets.slice(1).every((l) => l.includes('continue='))).toBe(true);
    const first = await api('GET', '/api/v1/namespaces/paging-events/events?limit=40');
    const meta = first.json.metadata as { continue: string; resourceVersion: string };
    await api('DELETE', '/api/v1/namespaces/paging-events/events/ev-050');
    const second = await api('GET', `/api/v1/namespaces/paging-events/events?limit=40&continue=${encodeURIComponent(meta.continue)}`);
    expect((second.json.metadata as { resourceVersion: string }).resourceVersion).toBe(meta.resourceVersion);
    expect((second.json.items as { metadata: { name: string } }[]).map((e) => e.metadata.name)).toContain('ev-050');
  });
});
