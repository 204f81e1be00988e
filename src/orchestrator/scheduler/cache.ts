import { objectKey } from '../api/resources.js';
import type { Container, Node, Pod } from '../api/types.js';
import { controllerRef, isPodTerminal } from '../api/podutil.js';
import type { NodeInfo, Resources } from './framework.js';
import { integerValue as value, milliValue } from '../api/quantity.js';

/** Kubernetes' defaults for a pod that requests nothing, used only when scoring (not when fitting). */
const DEFAULT_MILLI_CPU = 100;
const DEFAULT_MEMORY = 200 * 1024 * 1024;
const DEFAULT_MAX_PODS = 110;

export interface PodRequests extends Resources {
  nonZero: Resources;
}

/**
 * What a pod asks for: the sum over its containers, or the largest init container if that is more
 * (init containers run one at a time before the rest). Throws QuantityError on a malformed quantity.
 */
export function podRequests(pod: Pod): PodRequests {
  const one = (c: Container) => {
    const r = c.resources?.requests ?? {};
    const cpu = r.cpu !== undefined ? milliValue(r.cpu) : 0;
    const mem = r.memory !== undefined ? value(r.memory) : 0;
    return { milliCPU: cpu, memory: mem, nzCPU: r.cpu !== undefined ? cpu : DEFAULT_MILLI_CPU, nzMem: r.memory !== undefined ? mem : DEFAULT_MEMORY };
  };
  const sum = { milliCPU: 0, memory: 0, nzCPU: 0, nzMem: 0 };
  for (const c of pod.spec.containers ?? []) {
    const x = one(c);
    sum.milliCPU += x.milliCPU;
    sum.memory += x.memory;
    sum.nzCPU += x.nzCPU;
    sum.nzMem += x.nzMem;
  }
  for (const c of pod.spec.initContainers ?? []) {
    const x = one(c);
    sum.milliCPU = Math.max(sum.milliCPU, x.milliCPU);
    sum.memory = Math.max(sum.memory, x.memory);
  }
  return { milliCPU: sum.milliCPU, memory: sum.memory, nonZero: { milliCPU: sum.nzCPU, memory: sum.nzMem } };
}

interface Entry {
  pod: Pod;
  node: string;
  req: PodRequests;
  owner?: string;
  assumed: boolean;
}

/**
 * The scheduler's view of what is placed where (kube-scheduler's cache): every non-terminal pod
 * bound to a node, plus pods this scheduler has just bound whose binding the informer has not
 * shown yet ("assumed"), so back-to-back cycles never double-book a node.
 */
export class SchedulerCache {
  private readonly pods = new Map<string, Entry>();

  /** Called with every pod the informer shows (add or update). */
  update(pod: Pod): void {
    const key = keyOf(pod);
    if (!pod.spec.nodeName || isPodTerminal(pod)) {
      // An assumed pod may still look unbound in a stale event: keep the assumption.
      if (!(this.pods.get(key)?.assumed && !pod.spec.nodeName && !isPodTerminal(pod))) this.pods.delete(key);
      return;
    }
    this.pods.set(key, { pod, node: pod.spec.nodeName, req: safeRequests(pod), owner: controllerRef(pod)?.uid, assumed: false });
  }

  remove(key: string): void {
    this.pods.delete(key);
  }

  assume(pod: Pod, node: string): void {
    const key = keyOf(pod);
    if (this.pods.has(key)) return;
    this.pods.set(key, { pod: { ...pod, spec: { ...pod.spec, nodeName: node } }, node, req: safeRequests(pod), owner: controllerRef(pod)?.uid, assumed: true });
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  /** A snapshot of each node for one scheduling cycle. */
  nodeInfos(nodes: Node[]): NodeInfo[] {
    const agg = new Map<string, { requested: Resources; nonZero: Resources; count: number; owners: Map<string, number>; pods: Pod[] }>();
    for (const e of this.pods.values()) {
      let a = agg.get(e.node);
      if (!a) agg.set(e.node, (a = { requested: { milliCPU: 0, memory: 0 }, nonZero: { milliCPU: 0, memory: 0 }, count: 0, owners: new Map(), pods: [] }));
      a.pods.push(e.pod);
      a.requested.milliCPU += e.req.milliCPU;
      a.requested.memory += e.req.memory;
      a.nonZero.milliCPU += e.req.nonZero.milliCPU;
      a.nonZero.memory += e.req.nonZero.memory;
      a.count++;
      if (e.owner) a.owners.set(e.owner, (a.owners.get(e.owner) ?? 0) + 1);
    }
    return nodes.map((node) => {
      const name = node.metadata.name ?? '';
      const a = agg.get(name);
      return {
        name,
        node,
        allocatable: allocatableOf(node),
        requested: a?.requested ?? { milliCPU: 0, memory: 0 },
        nonZeroRequested: a?.nonZero ?? { milliCPU: 0, memory: 0 },
        podCount: a?.count ?? 0,
        ownerCounts: a?.owners ?? new Map(),
        pods: a?.pods ?? [],
      };
    });
  }
}

function keyOf(pod: Pod): string {
  return objectKey(pod.metadata.namespace, pod.metadata.name ?? '');
}

/** Pods already running keep their place even if a quantity is malformed: they count as zero. */
function safeRequests(pod: Pod): PodRequests {
  try {
    return podRequests(pod);
  } catch {
    return { milliCPU: 0, memory: 0, nonZero: { milliCPU: 0, memory: 0 } };
  }
}

function allocatableOf(node: Node): NodeInfo['allocatable'] {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  const parse = (q: string | undefined, f: (q: string) => number) => {
    if (q === undefined) return undefined;
    try {
      return f(q);
    } catch {
      return undefined;
    }
  };
  return { milliCPU: parse(a.cpu, milliValue), memory: parse(a.memory, value), pods: parse(a.pods, value) ?? DEFAULT_MAX_PODS };
}
