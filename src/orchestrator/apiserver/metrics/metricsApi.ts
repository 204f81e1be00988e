import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../api/errors.js';
import { cpuQuantity, memoryQuantity } from '../../api/metrics.js';
import type { Node, Pod } from '../../api/types.js';
import { isoTime } from '../../util/clock.js';
import type { Clock } from '../../util/clock.js';
import { resourceAttributes, type Authorization } from '../authz/index.js';
import { sendJson, wantsTable } from '../http.js';
import type { Registry } from '../registry.js';
import type { RequestContext } from '../requestContext.js';
import type { MetricsStore } from './metricsStore.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** The resources of `metrics.k8s.io/v1beta1`, for discovery: read-only, never stored. */
export const METRICS_RESOURCES = [
  { resource: 'nodes', singular: 'nodemetrics', kind: 'NodeMetrics', namespaced: false },
  { resource: 'pods', singular: 'podmetrics', kind: 'PodMetrics', namespaced: true },
] as const;
export const METRICS_VERBS = ['get', 'list'];

export interface MetricsApiDeps {
  registry: Registry;
  clock: Clock;
  metrics: MetricsStore;
  authz: Authorization;
}

function windowString(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * Serves `/apis/metrics.k8s.io/v1beta1/...` as metrics-server does: NodeMetrics and PodMetrics from
 * the last scrape, joined with the live Node and Pod objects (for labels, selectors, and so that a
 * deleted pod's metrics are gone at once). Only get and list (JSON or Table); anything else is 405.
 * Returns false when `path` is not in this group-version.
 */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, deps: MetricsApiDeps, path: string, q: URLSearchParams, ctx: RequestContext): Promise<boolean> {
  const prefix = `/apis/${API_VERSION}/`;
  if (!path.startsWith(prefix)) return false;
  const segs = path.slice(prefix.length).split('/').map(decodeURIComponent);
  let namespace: string | undefined;
  let rest = segs;
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    namespace = segs[1];
    rest = segs.slice(2);
  }
  const [resource, name, ...extra] = rest;
  if ((resource !== 'nodes' && resource !== 'pods') || extra.length > 0 || (resource === 'nodes' && namespace !== undefined)) {
    throw errors.notFound({ group: METRICS_GROUP, resource: resource ?? '', kind: resource ?? '' }, name ?? '');
  }
  const verb = name ? 'get' : q.get('watch') === 'true' ? 'watch' : 'list';
  deps.authz.check(resourceAttributes(ctx, verb, { group: METRICS_GROUP, resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) }, q));
  if (req.method !== 'GET') throw errors.methodNotAllowed();
  if (verb === 'watch') throw errors.methodNotAllowed();
  const selectors = { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined };

  const items = resource === 'nodes' ? await nodeMetrics(deps, name, selectors) : await podMetrics(deps, namespace, name, selectors);
  if (name) {
    const item = items[0];
    if (!item) throw errors.notFound({ group: METRICS_GROUP, resource: resource === 'nodes' ? 'nodemetrics' : 'podmetrics', kind: resource === 'nodes' ? 'NodeMetrics' : 'PodMetrics' }, name);
    if (wantsTable(req.headers.accept)) sendJson(res, 200, table(resource, [item]));
    else sendJson(res, 200, item);
    return true;
  }
  if (wantsTable(req.headers.accept)) sendJson(res, 200, table(resource, items));
  else sendJson(res, 200, { kind: resource === 'nodes' ? 'NodeMetricsList' : 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items });
  return true;
}

type Selectors = { labelSelector?: string; fieldSelector?: string };

interface MetricsItem {
  kind: string;
  apiVersion: string;
  metadata: { name: string; namespace?: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage?: { cpu: string; memory: string };
  containers?: { name: string; usage: { cpu: string; memory: string } }[];
}

async function nodeMetrics(deps: MetricsApiDeps, name: string | undefined, sel: Selectors): Promise<MetricsItem[]> {
  const nodes = name ? [await deps.registry.get<Node>('nodes', undefined, name).catch(() => undefined)].filter((n): n is Node => !!n) : (await deps.registry.list<Node>('nodes', sel)).items;
  const now = isoTime(deps.clock.now());
  const out: MetricsItem[] = [];
  for (const n of nodes) {
    const m = deps.metrics.node(n.metadata.name as string);
    if (!m) continue;
    out.push({
      kind: 'NodeMetrics',
      apiVersion: API_VERSION,
      metadata: { name: m.name, creationTimestamp: now, ...(n.metadata.labels ? { labels: n.metadata.labels } : {}) },
      timestamp: isoTime(m.timestamp),
      window: windowString(m.windowMs),
      usage: { cpu: cpuQuantity(m.cpuNanoCores), memory: memoryQuantity(m.memoryBytes) },
    });
  }
  return out;
}

async function podMetrics(deps: MetricsApiDeps, namespace: string | undefined, name: string | undefined, sel: Selectors): Promise<MetricsItem[]> {
  const pods = name
    ? [await deps.registry.get<Pod>('pods', namespace, name).catch(() => undefined)].filter((p): p is Pod => !!p)
    : (await deps.registry.list<Pod>('pods', { ...sel, ...(namespace ? { namespace } : {}) })).items;
  const now = isoTime(deps.clock.now());
  const out: MetricsItem[] = [];
  for (const p of pods) {
    const ns = p.metadata.namespace as string;
    const m = deps.metrics.podMetrics(ns, p.metadata.name as string);
    const nano = deps.metrics.podNanoCores(ns, p.metadata.name as string);
    if (!m || !nano) continue;
    out.push({
      kind: 'PodMetrics',
      apiVersion: API_VERSION,
      metadata: { name: m.name, namespace: ns, creationTimestamp: now, ...(p.metadata.labels ? { labels: p.metadata.labels } : {}) },
      timestamp: isoTime(m.timestamp),
      window: windowString(m.windowMs),
      containers: m.containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(nano.get(c.name) ?? 0), memory: memoryQuantity(c.memoryBytes) } })),
    });
  }
  return out;
}

/** The columns metrics-server prints for `kubectl get nodes.metrics.k8s.io` / `podmetrics`. */
function table(resource: 'nodes' | 'pods', items: MetricsItem[]) {
  const cols = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
    { name: 'CPU', type: 'string', format: '', description: 'CPU usage', priority: 0 },
    { name: 'Memory', type: 'string', format: '', description: 'Memory usage', priority: 0 },
    { name: 'Window', type: 'string', format: '', description: 'Interval the usage was measured over', priority: 0 },
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: cols,
    rows: items.map((i) => {
      const usage = resource === 'nodes' ? i.usage : sumContainers(i.containers ?? []);
      return {
        cells: [i.metadata.name, usage?.cpu ?? '', usage?.memory ?? '', i.window],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: i.metadata },
      };
    }),
  };
}

function sumContainers(cs: { usage: { cpu: string; memory: string } }[]): { cpu: string; memory: string } {
  let nano = 0;
  let bytes = 0;
  for (const c of cs) {
    nano += c.usage.cpu === '0' ? 0 : Number(c.usage.cpu.slice(0, -1));
    bytes += c.usage.memory.endsWith('Ki') ? Number(c.usage.memory.slice(0, -2)) * 1024 : Number(c.usage.memory);
  }
  return { cpu: cpuQuantity(nano), memory: memoryQuantity(bytes) };
}
