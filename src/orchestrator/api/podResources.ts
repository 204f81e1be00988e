/**
 * A pod's effective requests or limits, as resourcehelper.PodRequests/PodLimits compute them (and
 * with them the scheduler, the LimitRanger and the quota): app containers and sidecars (init
 * containers with `restartPolicy: Always`, which keep running beside them) summed; each init
 * container's run, with the sidecars started before it, a peak; the pod's value the larger of the
 * two, plus its `overhead`. `aggregateContainers` is that fold over any per-container value (the
 * scheduler's cpu and memory, its extended resources); `podTotals` gives every resource in
 * thousandths (exact for cpu, and for memory in whole bytes), with the quantities' style kept for
 * printing.
 */
import { formatCpu, formatMemory, milliValue } from './quantity.js';

type ResourceList = Record<string, unknown>;
export interface ContainerLike {
  restartPolicy?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
}
export interface PodSpecLike {
  containers?: unknown;
  initContainers?: unknown;
  overhead?: ResourceList;
}

export interface Totals {
  /** Resource name -> thousandths of its quantity. */
  milli: Map<string, number>;
  /** Resources any value of which has a binary suffix (`Mi`): printed in one too. */
  binary: Set<string>;
}

const list = (v: unknown): ContainerLike[] => (Array.isArray(v) ? (v as ContainerLike[]) : []);

/** An init container that keeps running beside the app containers (a native sidecar). */
export function isSidecar(c: ContainerLike): boolean {
  return c.restartPolicy === 'Always';
}

/** How values of one kind combine: `add` for what runs together, `max` for what runs one after another; neither changes its arguments. */
export interface Combine<V> {
  zero: V;
  add(a: V, b: V): V;
  max(a: V, b: V): V;
}

/**
 * The pod's value of `of` over its containers, as resourcehelper.AggregateContainerRequests: the
 * app containers and sidecars added up, against the peak of the init phase, where init container i
 * runs beside the sidecars declared before it (a sidecar's own step: every sidecar up to it).
 * Overhead is not included.
 */
export function aggregateContainers<V>(spec: PodSpecLike, of: (c: ContainerLike) => V, v: Combine<V>): V {
  let running = v.zero;
  for (const c of list(spec.containers)) running = v.add(running, of(c));
  let sidecars = v.zero;
  let init = v.zero;
  for (const c of list(spec.initContainers)) {
    const own = of(c);
    if (isSidecar(c)) {
      running = v.add(running, own);
      sidecars = v.add(sidecars, own);
      init = v.max(init, sidecars);
    } else init = v.max(init, v.add(sidecars, own));
  }
  return v.max(running, init);
}

/** Maps of resource name -> amount, a name missing counting as 0. */
export const resourceMaps: Combine<Map<string, number>> = {
  zero: new Map(),
  add: (a, b) => merge(a, b, (x, y) => x + y),
  max: (a, b) => merge(a, b, Math.max),
};

function merge(a: Map<string, number>, b: Map<string, number>, f: (x: number, y: number) => number): Map<string, number> {
  if (b.size === 0) return a;
  const out = new Map(a);
  for (const [k, y] of b) out.set(k, f(out.get(k) ?? 0, y));
  return out;
}

export function podTotals(spec: PodSpecLike, which: 'requests' | 'limits'): Totals {
  const binary = new Set<string>();
  const of = (c: ContainerLike) => {
    const m = new Map<string, number>();
    for (const [k, q] of Object.entries(c.resources?.[which] ?? {})) {
      m.set(k, milliValue(q));
      if (typeof q === 'string' && q.endsWith('i')) binary.add(k);
    }
    return m;
  };
  const overhead = of({ resources: { [which]: spec.overhead ?? {} } });
  // A map of its own: the fold may answer the shared zero.
  return { milli: new Map(resourceMaps.add(aggregateContainers(spec, of, resourceMaps), overhead)), binary };
}

/** A total as a quantity string: `1536Mi` when its inputs were binary, else `250m`, `2`, `3000000000`. */
export function formatTotal(milli: number, binary: boolean): string {
  if (milli % 1000 !== 0) return formatCpu(milli);
  return binary ? formatMemory(milli / 1000) : formatCpu(milli);
}
