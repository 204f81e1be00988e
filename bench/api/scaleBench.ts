// A Deployment of 20,000 replicas (no nodes: the pods stay Pending, the scheduler writes their
// status and FailedScheduling events, as on a cluster that cannot fit them): /healthz and a GET
// sampled every 250 ms while the controllers create the pods, the server's event-loop delay, then
// the Deployment's DELETE and the time until its pods are gone.
import { Client, pct, sleep, startServer, type ServerHandle } from './harness.js';

export interface ScaleFigures {
  replicas: number;
  windowSec: number;
  podsCreated: number;
  /** Seconds until every replica existed, when that happened within the window. */
  allCreatedSec?: number;
  healthz: Sample;
  get: Sample;
  /** The same probes from the DELETE until the pods are gone. */
  healthzDelete?: Sample;
  getDelete?: Sample;
  loop: { p99: number; max: number };
  /** Server RSS before the Deployment, its highest while it ran, and 20 s after its pods were gone. */
  rssIdleMb: number;
  rssPeakMb: number;
  rssAfterMb?: number;
  /** RSS once within 1.5x of idle (polled every 5 s for up to 120 s after the 20 s), and when (s after the pods were gone). */
  rssBackMb?: number;
  rssBackAfterSec?: number;
  /** V8 heap in use at the last of those readings. */
  heapBackMb?: number;
  /**
   * When RSS was not back: the Events the load left (FailedScheduling, live for SKIFF_EVENT_TTL_SECONDS,
   * 1 h), then deleted as one collection, and RSS / heap once within 1.5x of idle (or after 120 s).
   */
  eventsLeft?: number;
  rssNoEventsMb?: number;
  heapNoEventsMb?: number;
  rssNoEventsAfterSec?: number;
  deleteMs?: number;
  /** Seconds from the DELETE until the last pod was gone (undefined: not within the wait). */
  goneSec?: number;
  podsLeft?: number;
}

export interface Sample {
  n: number;
  p50: number;
  p99: number;
  max: number;
  /** Requests with no answer within 10 s. */
  timeouts: number;
}

const TIMEOUT = 10_000;

function summary(xs: number[], timeouts: number): Sample {
  return { n: xs.length + timeouts, p50: pct(xs, 50), p99: pct(xs, 99), max: xs.length ? Math.max(...xs) : NaN, timeouts };
}

/** Replicas the ReplicaSet has (its status), or pods left once it is gone (counted from a one-item page). */
async function counts(c: Client, cached: boolean): Promise<{ owned?: number; pods?: number }> {
  const rs = await c.json<{ items: { status?: { replicas?: number } }[] }>('GET', '/apis/apps/v1/namespaces/default/replicasets');
  if (rs.items.length) return { owned: rs.items[0]?.status?.replicas ?? 0 };
  if (!cached) return {};
  const l = await c.json<{ items: unknown[]; metadata: { remainingItemCount?: number } }>('GET', '/api/v1/namespaces/default/pods?limit=1');
  return { pods: l.items.length + (l.metadata.remainingItemCount ?? 0) };
}

export async function scaleBench(options: Record<string, unknown>, opts: { replicas: number; windowSec: number; deleteWaitSec: number; cached: boolean }): Promise<ScaleFigures> {
  const s: ServerHandle = await startServer(options);
  const admin = new Client(s);
  const prober = new Client(s);
  const getter = new Client(s);
  try {
    await sleep(2_000);
    const rssIdleMb = (await s.stats())?.rssMb ?? NaN;
    let rssPeakMb = rssIdleMb;
    await admin.json('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'big', namespace: 'default' },
      spec: {
        replicas: opts.replicas,
        selector: { matchLabels: { app: 'big' } },
        template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'local/busybox:1', command: ['sleep', '3600'] }] } },
      },
    });
    const t0 = performance.now();
    await s.stats(1_000);
    const health: number[] = [];
    const gets: number[] = [];
    let healthTimeouts = 0;
    let getTimeouts = 0;
    let sampling = true;
    const sample = async (c: Client, path: string, into: number[], onTimeout: () => void) => {
      while (sampling) {
        const started = performance.now();
        try {
          into.push((await c.call('GET', path, { timeoutMs: TIMEOUT, keepBody: false })).ms);
        } catch {
          onTimeout();
        }
        await sleep(Math.max(0, 250 - (performance.now() - started)));
      }
    };
    const probes = [sample(prober, '/healthz', health, () => healthTimeouts++), sample(getter, '/apis/apps/v1/namespaces/default/deployments/big', gets, () => getTimeouts++)];
    let podsCreated = 0;
    let allCreatedSec: number | undefined;
    let maxLoop = 0;
    let loopP99 = 0;
    while ((performance.now() - t0) / 1000 < opts.windowSec) {
      await sleep(2_000);
      const st = await s.stats(5_000);
      if (st) {
        maxLoop = Math.max(maxLoop, st.loop.max);
        loopP99 = Math.max(loopP99, st.loop.p99);
        rssPeakMb = Math.max(rssPeakMb, st.rssMb);
      }
      try {
        podsCreated = (await counts(admin, opts.cached)).owned ?? podsCreated;
      } catch {
        /* the API did not answer this time: sampled by the probes */
      }
      if (podsCreated >= opts.replicas) {
        allCreatedSec = (performance.now() - t0) / 1000;
        break;
      }
    }
    const windowSec = (performance.now() - t0) / 1000;
    const out: ScaleFigures = {
      replicas: opts.replicas,
      windowSec,
      podsCreated,
      allCreatedSec,
      healthz: summary(health, healthTimeouts),
      get: summary(gets, getTimeouts),
      loop: { p99: loopP99, max: maxLoop },
      rssIdleMb,
      rssPeakMb,
    };
    health.length = 0;
    gets.length = 0;
    healthTimeouts = 0;
    getTimeouts = 0;
    // Delete it, as `kubectl delete deployment big` does (background propagation), while the probes go on.
    const d0 = performance.now();
    try {
      const r = await admin.call('DELETE', '/apis/apps/v1/namespaces/default/deployments/big', { timeoutMs: 60_000, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
      if (r.status === 200) out.deleteMs = r.ms;
    } catch {
      /* no answer within 60 s: deleteMs stays undefined */
    }
    if (out.deleteMs !== undefined && opts.cached) {
      while ((performance.now() - d0) / 1000 < opts.deleteWaitSec) {
        await sleep(2_000);
        try {
          const c = await counts(admin, true);
          out.podsLeft = c.pods ?? c.owned;
          if (c.pods === 0) {
            out.goneSec = (performance.now() - d0) / 1000;
            break;
          }
          const st = await s.stats(5_000);
          if (st) out.rssPeakMb = Math.max(out.rssPeakMb, st.rssMb);
        } catch {
          /* sampled by the probes */
        }
      }
    }
    sampling = false;
    await Promise.all(probes);
    if (out.goneSec !== undefined) {
      const gone = performance.now();
      await sleep(20_000);
      out.rssAfterMb = (await s.stats(5_000))?.rssMb;
      // V8 gives garbage back on its own timers once idle: wait for it, as the LIST bench does.
      let rss = out.rssAfterMb ?? NaN;
      while (!(rss <= 1.5 * out.rssIdleMb) && performance.now() - gone < 140_000) {
        await sleep(5_000);
        rss = (await s.stats(5_000))?.rssMb ?? NaN;
      }
      out.rssBackMb = rss;
      out.heapBackMb = (await s.stats(5_000))?.heapMb;
      if (rss <= 1.5 * out.rssIdleMb) out.rssBackAfterSec = (performance.now() - gone) / 1000;
      else {
        // What is left is the load's live data or garbage: the Events are live (their TTL is an hour).
        // Delete them and see whether the rest comes back.
        try {
          const ev = await admin.json<{ items: unknown[]; metadata: { remainingItemCount?: number } }>('GET', '/api/v1/namespaces/default/events?limit=1');
          out.eventsLeft = ev.items.length + (ev.metadata.remainingItemCount ?? 0);
          await admin.call('DELETE', '/api/v1/namespaces/default/events', { timeoutMs: 120_000 });
          const cleared = performance.now();
          let r = NaN;
          while (performance.now() - cleared < 120_000) {
            await sleep(5_000);
            r = (await s.stats(5_000))?.rssMb ?? NaN;
            if (r <= 1.5 * out.rssIdleMb) {
              out.rssNoEventsAfterSec = (performance.now() - cleared) / 1000;
              break;
            }
          }
          out.rssNoEventsMb = r;
          out.heapNoEventsMb = (await s.stats(5_000))?.heapMb;
        } catch {
          /* no answer: the row says so */
        }
      }
    }
    out.healthzDelete = summary(health, healthTimeouts);
    out.getDelete = summary(gets, getTimeouts);
    return out;
  } finally {
    admin.close();
    prober.close();
    getter.close();
    await s.stop();
  }
}
