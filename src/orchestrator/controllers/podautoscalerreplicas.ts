import { isSidecar } from '../api/podResources.js';
import { getCondition } from '../api/podutil.js';
import type { Pod } from '../api/types.js';
import type { PodMetricsSample } from '../client/metricsSource.js';

/**
 * The HPA's replica calculator, as kube-controller-manager's (pkg/controller/podautoscaler/
 * replica_calculator.go): pure functions over the target's pods and their last metrics sample.
 * Values are in milli-units (CPU millicores x1, memory bytes x1000), as the upstream metrics
 * client reads `MilliValue()`, so one code path serves both resources.
 */

export type ResourceName = 'cpu' | 'memory';

export interface CalculatorOptions {
  now: number;
  /** Ratios within 1 +- tolerance leave the count alone (`--horizontal-pod-autoscaler-tolerance`, 0.1). */
  tolerance?: number;
  /** `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min). */
  cpuInitializationPeriodMs?: number;
  /** `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s). */
  initialReadinessDelayMs?: number;
}

export class MetricsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsError';
  }
}

/** A pod's usage in milli-units, the sample's time and window (ms). */
export interface PodValue {
  value: number;
  timestamp: number;
  windowMs: number;
}

/** Usage of `resource` per pod name (all containers, or only `container`), in milli-units. */
export function resourceMetrics(pods: Pod[], sample: (pod: Pod) => PodMetricsSample | undefined, resource: ResourceName, container?: string): Map<string, PodValue> {
  const out = new Map<string, PodValue>();
  for (const p of pods) {
    const m = sample(p);
    if (!m) continue;
    const cs = container ? m.containers.filter((c) => c.name === container) : m.containers;
    if (container && cs.length === 0) continue;
    const value = cs.reduce((a, c) => a + (resource === 'cpu' ? c.cpuMilli : c.memoryBytes * 1000), 0);
    out.set(p.metadata.name as string, { value, timestamp: m.timestamp, windowMs: m.windowMs });
  }
  return out;
}

/**
 * Requests of `resource` per pod (milli-units), over its app containers and sidecars (what runs,
 * and what the pod's metrics measure), as calculatePodRequests; throws naming the first container
 * without one.
 */
export function podRequests(pods: Pod[], resource: ResourceName, parse: (q: unknown) => number, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of pods) {
    let sum = 0;
    for (const c of [...p.spec.containers, ...(p.spec.initContainers ?? []).filter(isSidecar)]) {
      if (container && c.name !== container) continue;
      const q = c.resources?.requests?.[resource];
      if (q === undefined) throw new MetricsError(`missing request for ${resource} in container ${c.name} of Pod ${p.metadata.name}`);
      sum += parse(q);
    }
    out.set(p.metadata.name as string, sum);
  }
  return out;
}

interface Groups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods: which pods count, which are starting (CPU only), which have no sample yet. */
export function groupPods(pods: Pod[], metrics: Map<string, PodValue>, resource: ResourceName, o: CalculatorOptions): Groups {
  const cpuInit = o.cpuInitializationPeriodMs ?? 300_000;
  const readinessDelay = o.initialReadinessDelayMs ?? 30_000;
  const g: Groups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name as string;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (!pod.status?.phase || pod.status.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = getCondition(pod.status.conditions, 'Ready');
      const start = pod.status.startTime ? Date.parse(pod.status.startTime) : NaN;
      let unready: boolean;
      if (!ready || !Number.isFinite(start)) unready = true;
      else {
        const transition = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : start;
        if (start + cpuInit > o.now) {
          // Starting: the sample must cover a full window since the pod turned ready.
          unready = ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          unready = ready.status === 'False' && start + readinessDelay > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

export interface Proposal {
  replicas: number;
  /** Average utilization (percent of request), for Utilization targets. */
  utilization?: number;
  /** Average usage per pod, milli-units. */
  averageValue: number;
  timestamp: number;
}

function ratioOf(metrics: Map<string, PodValue>, requests: Map<string, number> | undefined, target: number): { ratio: number; utilization?: number; average: number } {
  let total = 0;
  let requested = 0;
  for (const [name, m] of metrics) {
    total += m.value;
    if (requests) {
      const r = requests.get(name);
      if (r === undefined) throw new MetricsError(`missing request for pod ${name}`);
      requested += r;
    }
  }
  const average = metrics.size ? total / metrics.size : 0;
  if (!requests) return { ratio: average / target, average };
  if (requested === 0) throw new MetricsError('no metrics returned matched known pods');
  const utilization = Math.trunc((total * 100) / requested);
  return { ratio: utilization / target, utilization, average };
}

/**
 * GetResourceReplicas / GetRawResourceReplicas: the replica count that brings the average to the
 * target. `requests` set: `target` is a utilization percentage; unset: `target` is an average value.
 */
export function replicasFor(currentReplicas: number, pods: Pod[], metricsIn: Map<string, PodValue>, resource: ResourceName, target: number, requests: Map<string, number> | undefined, o: CalculatorOptions): Proposal {
  const tolerance = o.tolerance ?? 0.1;
  if (pods.length === 0) throw new MetricsError('no pods returned by selector while calculating replica count');
  const metrics = new Map(metricsIn);
  const g = groupPods(pods, metrics, resource, o);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new MetricsError('did not receive metrics for targeted pods (pods might be unready)');
  const timestamp = Math.min(...[...metrics.values()].map((m) => m.timestamp));
  const first = ratioOf(metrics, requests, target);
  const result = (replicas: number): Proposal => ({ replicas, averageValue: first.average, timestamp, ...(first.utilization !== undefined ? { utilization: first.utilization } : {}) });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return result(currentReplicas);
    return result(Math.ceil(first.ratio * g.readyPodCount));
  }
  // Pods without a sample: assume they use the target when scaling down, nothing when scaling up,
  // so they dampen the change instead of driving it.
  for (const n of g.missing) {
    let value = 0;
    if (first.ratio < 1) value = requests ? ((requests.get(n) ?? 0) * Math.max(100, target)) / 100 : target;
    if (first.ratio !== 1) metrics.set(n, { value, timestamp, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp, windowMs: 0 });
  const next = ratioOf(metrics, requests, target).ratio;
  if (Math.abs(1 - next) <= tolerance || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1)) return result(currentReplicas);
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}
