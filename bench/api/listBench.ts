// LIST of N pods (JSON and Table, alone and with 16 concurrent clients), paging through them with
// limit=500, /healthz while the lists run, and the server's memory: idle, after the lists, settled.
import { Client, pct, pool, sleep, startServer, TABLE_ACCEPT, type ServerHandle } from './harness.js';

export const PODS = Number(process.env.BENCH_LIST_PODS ?? 5000);
/** How long the bench waits for RSS to come back after the lists. */
const SETTLE_MAX_MS = Number(process.env.BENCH_LIST_SETTLE_MAX_MS ?? 120_000);
const ROUNDS = Number(process.env.BENCH_LIST_ROUNDS ?? 20);
const CLIENTS = 16;
const PAGE = 500;

export interface Lat {
  p50: number;
  p99: number;
}

export interface ListFigures {
  createSec: number;
  listMb: number;
  json: Lat;
  table: Lat;
  json16: Lat;
  table16: Lat;
  /** A whole pass through the pods with limit=500, and one page. */
  pagingPass: Lat;
  page: Lat;
  healthzDuring16: Lat & { max: number };
  loopDuring16: { p99: number; max: number };
  rssIdleMb: number;
  rssWithPodsMb: number;
  rssAfterListsMb: number;
  /** 15 s after the lists (V8 has usually not collected their garbage yet)... */
  rssSettledMb: number;
  /** ...and after at most SETTLE_MAX_MS: the first reading within 1.5x of idle with pods, and when. */
  rssBackMb: number;
  rssBackAfterSec: number | undefined;
  /** The V8 heap in use at that last reading (live objects plus garbage not yet collected), MB. */
  heapBackMb: number;
}

/** A pending pod of about the size kubectl users see (2 KB of JSON once the server has filled it in). */
export function benchPod(i: number): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `bench-${String(i).padStart(5, '0')}`,
      namespace: 'default',
      labels: { app: 'bench', tier: i % 2 ? 'web' : 'api', shard: String(i % 16), 'app.kubernetes.io/part-of': 'skiff-bench' },
      annotations: { 'bench.skiff.dev/note': 'a pod for the list benchmark, never scheduled' },
    },
    spec: {
      // No scheduler picks these up: the bench measures the API alone.
      schedulerName: 'bench-idle',
      containers: [
        {
          name: 'main',
          image: 'registry.example/team/service:1.2.3',
          command: ['/bin/service'],
          args: ['--port=8080', '--log-level=info'],
          env: [
            { name: 'MODE', value: 'production' },
            { name: 'SHARD', value: String(i % 16) },
          ],
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
          readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 10 },
          volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
        },
      ],
      volumes: [{ name: 'scratch', emptyDir: {} }],
    },
  };
}

async function timed(n: number, width: number, clients: Client[], path: string, accept?: string): Promise<{ lat: Lat; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  await pool(n, width, async (_, w) => {
    const r = await (clients[w] as Client).call('GET', path, { accept, keepBody: false, timeoutMs: 120_000 });
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
    ms.push(r.ms);
    bytes = r.bytes;
  });
  return { lat: { p50: pct(ms, 50), p99: pct(ms, 99) }, bytes };
}

async function rss(s: ServerHandle): Promise<number> {
  return (await s.stats())?.rssMb ?? NaN;
}

/** Runs the LIST bench against a control plane started with `options`. */
export async function listBench(options: Record<string, unknown>): Promise<ListFigures> {
  const s = await startServer(options);
  const clients = Array.from({ length: CLIENTS }, () => new Client(s));
  const first = clients[0] as Client;
  try {
    await sleep(2_000);
    const rssIdleMb = await rss(s);
    const t0 = performance.now();
    await pool(PODS, CLIENTS, async (i, w) => {
      await (clients[w] as Client).json('POST', '/api/v1/namespaces/default/pods', benchPod(i));
    });
    const createSec = (performance.now() - t0) / 1000;
    await sleep(3_000);
    const rssWithPodsMb = await rss(s);
    const path = '/api/v1/pods';
    // Warm up (the first list fills serialization caches where there are any), then measure.
    await timed(2, 1, clients, path);
    const json = await timed(ROUNDS, 1, clients, path);
    const table = await timed(ROUNDS, 1, clients, path, TABLE_ACCEPT);
    const json16 = await timed(CLIENTS * 4, CLIENTS, clients, path);
    // /healthz from one more client while 16 clients list as Tables.
    const probe = new Client(s);
    const health: number[] = [];
    let listing = true;
    const probing = (async () => {
      while (listing) {
        // A refused or reset probe is a figure too (it used to crash the whole bench unhandled).
        try {
          health.push((await probe.call('GET', '/healthz', { timeoutMs: 60_000 })).ms);
        } catch (e) {
          console.log(`  /healthz probe failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        await sleep(20);
      }
    })();
    await s.stats();
    const table16 = await timed(CLIENTS * 4, CLIENTS, clients, path, TABLE_ACCEPT);
    const loop = await s.stats();
    listing = false;
    await probing;
    probe.close();
    const passes: number[] = [];
    const pages: number[] = [];
    for (let round = 0; round < 5; round++) {
      const p0 = performance.now();
      let cont = '';
      let seen = 0;
      do {
        const r = await first.call('GET', `/api/v1/namespaces/default/pods?limit=${PAGE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        const l = JSON.parse(r.body.toString()) as { items: unknown[]; metadata: { continue?: string } };
        pages.push(r.ms);
        seen += l.items.length;
        cont = l.metadata.continue ?? '';
      } while (cont);
      if (seen !== PODS) throw new Error(`paging saw ${seen} pods, not ${PODS}`);
      passes.push(performance.now() - p0);
    }
    const rssAfterListsMb = await rss(s);
    const settleFrom = performance.now();
    await sleep(15_000);
    const rssSettledMb = await rss(s);
    // V8 gives the lists' garbage back on its own once the process is idle (its memory reducer
    // runs on timers of its own): poll until RSS is within 1.5x of idle with pods, or give up.
    let back = await s.stats();
    while ((back?.rssMb ?? 0) > 1.5 * rssWithPodsMb && performance.now() - settleFrom < SETTLE_MAX_MS) {
      await sleep(5_000);
      back = await s.stats();
    }
    const rssBackMb = back?.rssMb ?? NaN;
    const rssBackAfterSec = rssBackMb <= 1.5 * rssWithPodsMb ? (performance.now() - settleFrom) / 1000 : undefined;
    return {
      createSec,
      listMb: json.bytes / 1048576,
      json: json.lat,
      table: table.lat,
      json16: json16.lat,
      table16: table16.lat,
      pagingPass: { p50: pct(passes, 50), p99: pct(passes, 99) },
      page: { p50: pct(pages, 50), p99: pct(pages, 99) },
      healthzDuring16: { p50: pct(health, 50), p99: pct(health, 99), max: Math.max(...health) },
      loopDuring16: { p99: loop?.loop.p99 ?? NaN, max: loop?.loop.max ?? NaN },
      rssIdleMb,
      rssWithPodsMb,
      rssAfterListsMb,
      rssSettledMb,
      rssBackMb,
      rssBackAfterSec,
      heapBackMb: back?.heapMb ?? NaN,
    };
  } finally {
    for (const c of clients) c.close();
    await s.stop();
  }
}
