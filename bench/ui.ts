// The UI benchmark: the built renderer (the real app: store, sync, derive, layout, React Flow) in
// Chromium (playwright-core) against a fake API serving a synthetic cluster (5,000 pods on 100 nodes
// by default) as canned LIST bodies, with watches that open and stay quiet: it measures the initial
// list and first paint, then scripted zooms and pans; not the cost of a live event stream.
// Prints wall times (which depend on the machine's load, printed too) and the page's thread CPU
// time from a Chromium trace (which depends much less on it).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer } from 'ws';
import { launchBrowser } from '../e2e/support/browser.js';
import { formatBy, startTrace, type TraceCpu } from './support/chromeTrace.js';
import { RESOURCES } from '../src/orchestrator/api/resources.js';
import { syntheticCluster } from './uiCluster.js';

const NODES = Number(process.env.BENCH_UI_NODES ?? 100);
const PODS = Number(process.env.BENCH_UI_PODS ?? 5000);
const APPS = Number(process.env.BENCH_UI_APPS ?? 100);
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** Serves dist/renderer and a read-only `/k8s` with the synthetic cluster; watches open and stay quiet. */
export async function fakeApi(dir: string): Promise<Server> {
  const cluster = syntheticCluster({ nodes: NODES, apps: APPS, perApp: Math.ceil(PODS / APPS) });
  const byPath = new Map<string, string>();
  for (const r of RESOURCES) {
    const items = cluster[r.resource];
    if (!items) continue;
    const base = r.group ? `/k8s/apis/${r.group}/${r.version}/${r.resource}` : `/k8s/api/${r.version}/${r.resource}`;
    byPath.set(base, JSON.stringify({ kind: `${r.kind}List`, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, metadata: { resourceVersion: '1' }, items }));
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/k8s/') || url.pathname.startsWith('/skiff/')) {
      const body = url.pathname === '/k8s/version' ? '{"gitVersion":"v1.32.0-bench"}' : url.pathname === '/skiff/portforwards' ? '{"items":[]}' : byPath.get(url.pathname);
      if (!body) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        return res.end('{"kind":"Status","status":"Failure","code":404}');
      }
      if (url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return; // an open, quiet watch
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(body);
    }
    let file = join(dir, normalize(url.pathname).replace(/^\/+/, ''));
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(dir, 'index.html');
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => undefined));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

function stats(deltas: number[]): { fps: number; p50: number; p95: number; max: number; n: number } {
  const s = [...deltas].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  const total = deltas.reduce((a, b) => a + b, 0);
  return { fps: (deltas.length / total) * 1000, p50: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? 0, n: deltas.length };
}

export async function runUiBench(): Promise<void> {
  const dir = process.env.BENCH_UI_DIR ?? join(process.cwd(), 'dist/renderer');
  if (!existsSync(join(dir, 'app.js'))) throw new Error('the renderer is not built: run `npm run build`');
  const server = await fakeApi(dir);
  const port = (server.address() as AddressInfo).port;
  const browser = await launchBrowser({ viewport: { width: 1440, height: 900 } });
  try {
    const page = browser.page;
    const loadBefore = loadavg();
    const firstTrace = await startTrace(browser.context, page);
    await page.goto(`http://127.0.0.1:${port}/`);
    // First paint: every node and workload card drawn, after the first fit.
    // Scripts run in the page are strings: tsx would wrap functions in helpers the page lacks.
    const firstPaint = (await page.evaluate(`new Promise((resolve) => {
      const tick = () => {
        const drawn = document.querySelectorAll('.react-flow__node').length;
        const vp = document.querySelector('.react-flow__viewport');
        const fitted = vp && !/scale\\(1\\)/.test(vp.style.transform);
        if (drawn > 0 && !window.__firstNode) window.__firstNode = performance.now();
        if (drawn >= ${NODES + APPS} && fitted) resolve(performance.now());
        else requestAnimationFrame(tick);
      };
      tick();
    })`)) as number;
    const firstCpu = await firstTrace.stop();
    const firstNode = (await page.evaluate('window.__firstNode')) as number;
    const nav = (await page.evaluate('JSON.stringify(performance.getEntriesByType("navigation")[0])')) as string;
    if (process.env.BENCH_UI_DEBUG) console.log({ firstNode, nav: JSON.parse(nav) as unknown });
    if (process.env.BENCH_UI_SHOTS) await page.screenshot({ path: join(process.env.BENCH_UI_SHOTS, 'ui-bench-fitted.png') });
    const box = await page.getByTestId('canvas').boundingBox();
    if (!box) throw new Error('no canvas');
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const record = () =>
      page.evaluate(`(() => {
        window.__frames = [];
        window.__stop = false;
        let last = 0;
        const loop = (t) => {
          window.__frames.push(t - last);
          last = t;
          if (!window.__stop) requestAnimationFrame(loop);
        };
        requestAnimationFrame((t) => {
          last = t;
          requestAnimationFrame(loop);
        });
      })()`);
    const collect = async () => (await page.evaluate('(() => { window.__stop = true; return window.__frames.slice(1); })()')) as number[];
    // Zoom in towards the centre through every level of detail, and back out.
    await page.mouse.move(cx, cy);
    const zoomTrace = await startTrace(browser.context, page);
    await record();
    for (let i = 0; i < 30; i++) {
      await page.mouse.wheel(0, -120);
      await page.waitForTimeout(16);
    }
    for (let i = 0; i < 30; i++) {
      await page.mouse.wheel(0, 120);
      await page.waitForTimeout(16);
    }
    const zoom = stats(await collect());
    const zoomCpu = await zoomTrace.stop();
    // Zoom in to a working distance, then pan by dragging the background.
    for (let i = 0; i < 20; i++) {
      await page.mouse.wheel(0, -150);
      await page.waitForTimeout(50);
    }
    await page.waitForTimeout(500);
    const panTrace = await startTrace(browser.context, page);
    await record();
    for (let round = 0; round < 3; round++) {
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      for (let s = 1; s <= 30; s++) await page.mouse.move(cx - s * 12, cy - s * 6);
      for (let s = 29; s >= 0; s--) await page.mouse.move(cx - s * 12, cy - s * 6);
      await page.mouse.up();
    }
    const pan = stats(await collect());
    const panCpu = await panTrace.stop();
    if (process.env.BENCH_UI_SHOTS) await page.screenshot({ path: join(process.env.BENCH_UI_SHOTS, 'ui-bench-working-zoom.png') });
    const lod = await page.getByTestId('canvas').getAttribute('data-lod');
    const zoomNow = (await page.evaluate(`Number((document.querySelector('.react-flow__viewport')?.style.transform.match(/scale\\(([\\d.]+)\\)/) ?? [])[1])`)) as number;
    const f = (x: number) => x.toFixed(1);
    const cpu = (c: TraceCpu, frames?: number) =>
      `main thread CPU ${Math.round(c.mainMs)} ms${frames ? ` (${f(c.mainMs / frames)} ms/frame)` : ''}, raster CPU ${Math.round(c.rasterMs)} ms; main by activity (inclusive): ${formatBy(c.mainBy)}`;
    const la = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
    console.log(`load average ${la(loadBefore)} before, ${la(loadavg())} after, on ${cpus().length} cores (wall times below stretch with load; thread CPU times much less)`);
    console.log(`UI bench: ${PODS} pods in ${APPS} deployments on ${NODES} nodes, ${APPS} services, served as canned LIST bodies by a fake API (quiet watches); the real renderer in Chromium ${browser.context.browser()?.version() ?? ''} headless, software rendering`);
    console.log(`  first paint (all cards drawn and fitted)  ${Math.round(firstPaint)} ms wall; ${cpu(firstCpu)}`);
    console.log(`  zoom in/out through every detail level   ${f(zoom.fps)} fps, frame p50 ${f(zoom.p50)} ms, p95 ${f(zoom.p95)} ms, max ${f(zoom.max)} ms; ${cpu(zoomCpu, zoom.n)}`);
    console.log(`  pan at zoom ${zoomNow.toFixed(2)} (detail level ${lod})        ${f(pan.fps)} fps, frame p50 ${f(pan.p50)} ms, p95 ${f(pan.p95)} ms, max ${f(pan.max)} ms; ${cpu(panCpu, pan.n)}`);
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[1]?.endsWith('ui.ts')) {
  runUiBench().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
