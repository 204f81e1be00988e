/**
 * A pod's effective requests or limits as resourcehelper.PodRequests/PodLimits compute them: the
 * containers summed, or the largest init container where that is more (init containers run one at
 * a time, before the rest), plus the pod's `overhead`. In thousandths (exact for cpu, and for
 * memory in whole bytes), with the quantities' style kept for printing.
 */
import { formatCpu, formatMemory, milliValue } from './quantity.js';

type ResourceList = Record<string, unknown>;
interface ContainerLike {
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

export function podTotals(spec: PodSpecLike, which: 'requests' | 'limits'): Totals {
  const milli = new Map<string, number>();
  const binary = new Set<string>();
  const add = (k: string, v: unknown, f: (a: number, b: number) => number) => {
    milli.set(k, f(milli.get(k) ?? 0, milliValue(v)));
    if (typeof v === 'string' && v.endsWith('i')) binary.add(k);
  };
  for (const c of list(spec.containers)) for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) add(k, v, (a, b) => a + b);
  for (const c of list(spec.initContainers)) for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) add(k, v, Math.max);
  for (const [k, v] of Object.entries(spec.overhead ?? {})) add(k, v, (a, b) => a + b);
  return { milli, binary };
}

/** A total as a quantity string: `1536Mi` when its inputs were binary, else `250m`, `2`, `3000000000`. */
export function formatTotal(milli: number, binary: boolean): string {
  if (milli % 1000 !== 0) return formatCpu(milli);
  return binary ? formatMemory(milli / 1000) : formatCpu(milli);
}
