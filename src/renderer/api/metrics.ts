import { parseQuantity } from '../graph/capacity.js';
import type { KubeApi } from './client.js';
import { isRecord } from './guards.js';

/** Usage of one node, pod or container over the metrics window: CPU in cores, memory in bytes. */
export interface Usage {
  cpu: number;
  memory: number;
}

export interface PodUsage extends Usage {
  /** By container name, as the metrics API lists them. */
  containers: Readonly<Record<string, Usage>>;
}

/**
 * One poll of `metrics.k8s.io/v1beta1`. A node or pod that is absent has no sample yet (or none
 * any more): views show that as absent, never as zero.
 */
export interface MetricsSample {
  nodes: Record<string, Usage>;
  /** By `namespace/name`. */
  pods: Record<string, PodUsage>;
  /** The longest `window` any item reported, in ms (the scrape resolution); undefined when none did. */
  windowMs: number | undefined;
}

/** `15s`, `1m30s`, `2.5s`, `500ms` -> ms; undefined when it is not a duration. */
export function parseWindow(w: unknown): number | undefined {
  if (typeof w !== 'string' || w === '') return undefined;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/gy;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let seen = 0;
  for (let m = re.exec(w); m; m = re.exec(w)) {
    total += Number(m[1]) * (unit[m[2] as string] as number);
    seen = re.lastIndex;
  }
  return seen === w.length ? total : undefined;
}

function usageOf(u: unknown): Usage | undefined {
  if (!isRecord(u)) return undefined;
  const cpu = parseQuantity(typeof u.cpu === 'string' || typeof u.cpu === 'number' ? u.cpu : undefined);
  const memory = parseQuantity(typeof u.memory === 'string' || typeof u.memory === 'number' ? u.memory : undefined);
  return cpu === undefined || memory === undefined ? undefined : { cpu, memory };
}

function itemsOf(list: unknown): Record<string, unknown>[] {
  return isRecord(list) && Array.isArray(list.items) ? list.items.filter(isRecord) : [];
}

/**
 * Reads a NodeMetricsList and a PodMetricsList (validated: items without a name or a usable
 * quantity are dropped, not counted as zero). A pod's usage is the sum of its containers', as
 * `kubectl top pod` prints it.
 */
export function parseMetrics(nodeList: unknown, podList: unknown): MetricsSample {
  const out: MetricsSample = { nodes: {}, pods: {}, windowMs: undefined };
  const seeWindow = (w: unknown) => {
    const ms = parseWindow(w);
    if (ms !== undefined && (out.windowMs === undefined || ms > out.windowMs)) out.windowMs = ms;
  };
  for (const item of itemsOf(nodeList)) {
    const name = isRecord(item.metadata) && typeof item.metadata.name === 'string' ? item.metadata.name : undefined;
    const u = usageOf(item.usage);
    if (!name || !u) continue;
    out.nodes[name] = u;
    seeWindow(item.window);
  }
  for (const item of itemsOf(podList)) {
    const md = isRecord(item.metadata) ? item.metadata : {};
    if (typeof md.name !== 'string' || typeof md.namespace !== 'string') continue;
    const containers: Record<string, Usage> = {};
    let cpu = 0;
    let memory = 0;
    let ok = Array.isArray(item.containers);
    for (const c of Array.isArray(item.containers) ? item.containers : []) {
      const u = isRecord(c) ? usageOf(c.usage) : undefined;
      if (!u || !isRecord(c) || typeof c.name !== 'string') {
        ok = false;
        break;
      }
      containers[c.name] = u;
      cpu += u.cpu;
      memory += u.memory;
    }
    if (!ok) continue;
    out.pods[`${md.namespace}/${md.name}`] = { cpu, memory, containers };
    seeWindow(item.window);
  }
  return out;
}

/** Fetches both lists at once (JSON, cluster-wide). Throws the API's error (404 when the group is not served). */
export async function fetchMetrics(api: KubeApi, signal?: AbortSignal): Promise<MetricsSample> {
  const [nodes, pods] = await Promise.all([
    api.json('GET', '/apis/metrics.k8s.io/v1beta1/nodes', signal ? { signal } : {}),
    api.json('GET', '/apis/metrics.k8s.io/v1beta1/pods', signal ? { signal } : {}),
  ]);
  return parseMetrics(nodes, pods);
}

/**
 * How long to wait before the next poll: the server's resolution, within 2 s and 60 s. Unknown
 * (no item has come yet: the server has not scraped since the app or the node started): 3 s, so
 * the first figures show as soon as the server has them rather than a whole resolution later.
 */
export function pollDelay(windowMs: number | undefined): number {
  return Math.min(60_000, Math.max(2000, windowMs ?? 3000));
}

/**
 * A quantity's `MilliValue()` as Go's resource.Quantity computes it: rounded up. Floats carry
 * noise (0.1 cores is 100.00000000000001 m), far below a nanocore, so that noise is dropped first.
 */
function milliValue(units: number): number {
  return Math.ceil(units * 1000 - 1e-9);
}

/** CPU as `kubectl top` prints it (`quantity.MilliValue()`, rounded up): `250m`, `1500m`. */
export function formatTopCpu(cores: number): string {
  return `${milliValue(cores)}m`;
}

/** Memory as `kubectl top` prints it (`quantity.Value()/(1024*1024)`, an integer division): `64Mi`. */
export function formatTopMemory(bytes: number): string {
  return `${Math.floor(Math.ceil(bytes) / 2 ** 20)}Mi`;
}

/**
 * `kubectl top node`'s percentage of allocatable (`12%`): `int64(MilliValue(used) /
 * MilliValue(allocatable) * 100)`, truncated; undefined when allocatable is unknown or zero.
 */
export function percentOf(used: number, allocatable: number | undefined): number | undefined {
  return allocatable ? Math.trunc((milliValue(used) / milliValue(allocatable)) * 100) : undefined;
}

/** Keeps the previous object for every entry whose numbers did not change, so memo'd views skip it. */
export function reuseUnchanged<T extends Usage>(prev: Readonly<Record<string, T>>, next: Record<string, T>): Record<string, T> {
  let same = Object.keys(prev).length === Object.keys(next).length;
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(next)) {
    const p = prev[k];
    if (p && p.cpu === v.cpu && p.memory === v.memory && sameContainers(p, v)) out[k] = p;
    else {
      out[k] = v;
      same = false;
    }
  }
  return same ? (prev as Record<string, T>) : out;
}

function sameContainers(a: Usage, b: Usage): boolean {
  const ca = (a as Partial<PodUsage>).containers;
  const cb = (b as Partial<PodUsage>).containers;
  if (!ca || !cb) return ca === cb;
  const ka = Object.keys(ca);
  if (ka.length !== Object.keys(cb).length) return false;
  return ka.every((k) => ca[k]?.cpu === cb[k]?.cpu && ca[k]?.memory === cb[k]?.memory);
}

/** The summed usage of some pods; `sampled` counts the pods that had a sample (0: show none, never 0). */
export interface SummedUsage extends Usage {
  sampled: number;
}

/** Sums the usage of the pods `keys` (`namespace/name`) names; pods without a sample are left out and not counted. */
export function sumPodUsage(pods: Readonly<Record<string, Usage>>, keys: readonly string[]): SummedUsage {
  const out = { cpu: 0, memory: 0, sampled: 0 };
  for (const k of keys) {
    const u = pods[k];
    if (!u) continue;
    out.cpu += u.cpu;
    out.memory += u.memory;
    out.sampled++;
  }
  return out;
}
