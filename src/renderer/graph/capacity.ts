import { aggregateContainers, type Combine, type ContainerLike } from '../../orchestrator/api/podResources.js';
import type { Node, Pod } from '../../orchestrator/api/types.js';
import type { ObjectMap } from '../store/kinds.js';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * A Kubernetes quantity as a number (`100m` -> 0.1, `1Gi` -> 1073741824, `1e3` -> 1000).
 * Undefined for text that is not a quantity.
 */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E))?$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n * (BINARY[m[2]] as number);
  if (m[3]) return n * 10 ** Number(m[3].slice(1));
  return n * (DECIMAL[m[4] ?? ''] as number);
}

export interface Amounts {
  cpu: number;
  memory: number;
}

function containerRequests(c: ContainerLike): Amounts {
  const r = c.resources?.requests ?? {};
  return { cpu: parseQuantity(r.cpu as string | undefined) ?? 0, memory: parseQuantity(r.memory as string | undefined) ?? 0 };
}

const amounts: Combine<Amounts> = {
  zero: { cpu: 0, memory: 0 },
  add: (a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory }),
  max: (a, b) => ({ cpu: Math.max(a.cpu, b.cpu), memory: Math.max(a.memory, b.memory) }),
};

/**
 * What the scheduler counts a pod as asking for (the scheduler's own fold, api/podResources.ts): its
 * app containers' and sidecars' requests together, or the init phase's peak if that is more.
 */
export function podRequests(pod: Pod): Amounts {
  return aggregateContainers(pod.spec, containerRequests, amounts);
}

/** One resource on a node: what its pods request against what it can allocate (undefined if it does not say). */
export interface Allocation {
  requested: number;
  allocatable: number | undefined;
}

export interface NodeAllocation {
  cpu: Allocation;
  memory: Allocation;
  pods: Allocation;
}

/** Requests of the pods bound to `node` that still hold their place (not finished) against its allocatable. */
export function nodeAllocation(node: Node, pods: ObjectMap<Pod>): NodeAllocation {
  const name = node.metadata.name;
  let cpu = 0;
  let memory = 0;
  let count = 0;
  for (const p of Object.values(pods)) {
    if (p.spec.nodeName !== name) continue;
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const r = podRequests(p);
    cpu += r.cpu;
    memory += r.memory;
    count++;
  }
  const a = node.status?.allocatable ?? {};
  return {
    cpu: { requested: cpu, allocatable: parseQuantity(a.cpu) },
    memory: { requested: memory, allocatable: parseQuantity(a.memory) },
    pods: { requested: count, allocatable: parseQuantity(a.pods) },
  };
}

/** `1.25 cores`, `350m`; `1.5 GiB`, `512 MiB`. */
export function formatCpu(cores: number): string {
  return cores >= 1 ? `${+cores.toFixed(2)} ${cores === 1 ? 'core' : 'cores'}` : `${Math.round(cores * 1000)}m`;
}

export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${+b.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
