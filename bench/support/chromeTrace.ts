import type { BrowserContext, Page } from 'playwright-core';

/** CPU time spent by the page's threads while a trace ran (thread time, so it means the same on a busy machine). */
export interface TraceCpu {
  /** Renderer main thread: scripts, style, layout, paint recording. */
  mainMs: number;
  /** Raster worker threads: turning recorded paint into pixels (software rendering here). */
  rasterMs: number;
  /** Main-thread CPU by activity (FunctionCall, Layout, Paint, ...), top-level events only. */
  mainBy: Record<string, number>;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'];
/** Main-thread activities reported by name; the rest is summed as "other". */
const NAMED = new Set(['FunctionCall', 'EvaluateScript', 'v8.evaluateModule', 'UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'ParseHTML', 'MinorGC', 'MajorGC', 'EventDispatch', 'FireAnimationFrame', 'TimerFire']);

/**
 * Records a Chromium trace through the DevTools protocol (Tracing domain) until `stop`, then sums
 * thread CPU time (`tdur`) on the renderer's main thread and its raster workers. Nested events are
 * counted once: only events not inside another event of the same thread count.
 */
export async function startTrace(context: BrowserContext, page: Page): Promise<{ stop(): Promise<TraceCpu> }> {
  const cdp = await context.newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (d: { value: unknown[] }) => events.push(...(d.value as TraceEvent[])));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES }, transferMode: 'ReportEvents' });
  return {
    async stop() {
      const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await complete;
      await cdp.detach().catch(() => undefined);
      return summarize(events);
    },
  };
}

function summarize(events: TraceEvent[]): TraceCpu {
  const threadName = new Map<string, string>();
  for (const e of events) if (e.name === 'thread_name' && e.args?.name) threadName.set(`${e.pid}:${e.tid}`, e.args.name);
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const k = `${e.pid}:${e.tid}`;
    let list = byThread.get(k);
    if (!list) byThread.set(k, (list = []));
    list.push(e);
  }
  let mainMs = 0;
  let rasterMs = 0;
  const mainBy: Record<string, number> = {};
  for (const [k, list] of byThread) {
    const name = threadName.get(k) ?? '';
    const main = name === 'CrRendererMain';
    if (!main && !name.startsWith('ThreadPoolForegroundWorker') && !name.startsWith('CompositorTileWorker')) continue;
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    if (main) {
      // Per activity: the outermost event of each named kind (a Layout inside a FunctionCall counts as Layout).
      let end = -1;
      for (const e of list) {
        if (e.ts >= end) {
          mainMs += (e.tdur ?? 0) / 1000;
          end = e.ts + (e.dur ?? 0);
        }
      }
      const ends = new Map<string, number>();
      for (const e of list) {
        const kind = NAMED.has(e.name) ? e.name : undefined;
        if (!kind || e.ts < (ends.get(kind) ?? -1)) continue;
        ends.set(kind, e.ts + (e.dur ?? 0));
        mainBy[kind] = (mainBy[kind] ?? 0) + (e.tdur ?? 0) / 1000;
      }
    } else {
      let end = -1;
      for (const e of list) {
        if (e.name !== 'RasterTask' || e.ts < end) continue;
        rasterMs += (e.tdur ?? 0) / 1000;
        end = e.ts + (e.dur ?? 0);
      }
    }
  }
  return { mainMs, rasterMs, mainBy };
}

/** `Layout 120, Paint 80, ...`: the largest activities first. */
export function formatBy(by: Record<string, number>, top = 5): string {
  return Object.entries(by)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${k} ${Math.round(v)}`)
    .join(', ');
}
