import { request as httpRequest } from 'node:http';
import type { StatsSummary } from '../../api/metrics.js';
import { getCondition } from '../../api/podutil.js';
import type { Node } from '../../api/types.js';
import type { NodeDialer } from '../../client/nodeDialer.js';
import type { Clock } from '../../util/clock.js';
import type { Disposable } from '../../util/disposable.js';
import type { Logger } from '../../util/logger.js';
import { connectToKubelet } from '../kubeletConnection.js';
import type { Registry } from '../registry.js';
import type { MetricsStore } from './metricsStore.js';

export interface ScraperOptions {
  registry: Registry;
  dialer: NodeDialer;
  store: MetricsStore;
  clock: Clock;
  log: Logger;
  /** How often every node is scraped (metrics-server's `--metric-resolution`, default 15 s). */
  periodMs?: number;
  /** A node that does not answer within this long is skipped until the next period. Default 10 s. */
  timeoutMs?: number;
}

/**
 * The metrics scraper: every period, asks each Ready node's kubelet API for `/stats/summary`
 * (through the node dialer, so hosts behind SSH work) and records the answer in the in-memory
 * store, as metrics-server scrapes kubelets. A period is skipped while the previous one still runs.
 */
export function startMetricsScraper(o: ScraperOptions): Disposable & { scrapeOnce(): Promise<void> } {
  const periodMs = o.periodMs ?? 15_000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  let running: Promise<void> | undefined;
  let stopped = false;
  const failing = new Set<string>();

  async function scrapeNode(node: Node): Promise<void> {
    const name = node.metadata.name as string;
    try {
      const summary = await fetchSummary(name);
      if (stopped) return;
      o.store.record(summary);
      if (failing.delete(name)) o.log.info('metrics of node available again', { node: name });
    } catch (e) {
      if (!failing.has(name)) o.log.warn('cannot scrape node metrics', { node: name, error: e instanceof Error ? e.message : String(e) });
      failing.add(name);
    }
  }

  async function fetchSummary(nodeName: string): Promise<StatsSummary> {
    const { socket, token } = await connectToKubelet(o.registry, o.dialer, nodeName, 'metrics');
    return new Promise<StatsSummary>((resolve, reject) => {
      const cancel = o.clock.setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const req = httpRequest({ path: '/stats/summary', method: 'GET', headers: { Authorization: `Bearer ${token}`, Host: 'kubelet' }, createConnection: () => socket as never }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          cancel();
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) return reject(new Error(`kubelet answered ${res.statusCode}: ${text.trim().slice(0, 200)}`));
          try {
            resolve(parseSummary(JSON.parse(text), nodeName));
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      });
      req.on('error', (e) => {
        cancel();
        reject(e);
      });
      req.end();
    });
  }

  async function scrapeOnce(): Promise<void> {
    const nodes = (await o.registry.list<Node>('nodes')).items;
    const names = new Set(nodes.map((n) => n.metadata.name as string));
    for (const n of o.store.nodeNames()) if (!names.has(n)) o.store.forgetNode(n);
    const ready = nodes.filter((n) => getCondition(n.status?.conditions, 'Ready')?.status === 'True');
    for (const n of nodes) if (!ready.includes(n)) o.store.forgetNode(n.metadata.name as string);
    await Promise.all(ready.map(scrapeNode));
  }

  const tick = () => {
    if (running || stopped) return;
    running = scrapeOnce()
      .catch((e: unknown) => o.log.warn('metrics scrape failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        running = undefined;
      });
  };
  const cancel = o.clock.setInterval(tick, periodMs);
  tick();
  return {
    scrapeOnce,
    dispose() {
      stopped = true;
      cancel();
    },
  };
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`stats summary: ${what} is not a number`);
  return v;
}

function sample(v: unknown, what: string) {
  if (!v || typeof v !== 'object') throw new Error(`stats summary: ${what} is missing`);
  const s = v as Record<string, unknown>;
  return {
    time: num(s.time, `${what}.time`),
    workingSetBytes: num(s.workingSetBytes, `${what}.workingSetBytes`),
    ...(s.usageNanoCores !== undefined ? { usageNanoCores: num(s.usageNanoCores, `${what}.usageNanoCores`) } : {}),
    ...(s.windowMs !== undefined ? { windowMs: num(s.windowMs, `${what}.windowMs`) } : {}),
  };
}

/** Validates a kubelet's answer; the node name is the one scraped, whatever the body says. */
export function parseSummary(raw: unknown, nodeName: string): StatsSummary {
  if (!raw || typeof raw !== 'object') throw new Error('stats summary is not an object');
  const r = raw as { node?: unknown; pods?: unknown };
  if (!Array.isArray(r.pods)) throw new Error('stats summary: pods is not a list');
  return {
    node: { nodeName, ...sample(r.node, 'node') },
    pods: r.pods.map((p: unknown, i) => {
      const o = (p ?? {}) as Record<string, unknown>;
      if (typeof o.namespace !== 'string' || typeof o.name !== 'string' || !Array.isArray(o.containers)) throw new Error(`stats summary: pods[${i}] is malformed`);
      return {
        namespace: o.namespace,
        name: o.name,
        uid: typeof o.uid === 'string' ? o.uid : '',
        containers: o.containers.map((c: unknown, j) => {
          const cn = (c ?? {}) as Record<string, unknown>;
          if (typeof cn.name !== 'string') throw new Error(`stats summary: pods[${i}].containers[${j}].name is missing`);
          return { name: cn.name, ...sample(c, `pods[${i}].containers[${j}]`) };
        }),
      };
    }),
  };
}
