import { objectKey } from '../api/resources.js';
import type { Node, Pod } from '../api/types.js';
import { controllerRef, isPodTerminal } from '../api/podutil.js';
import type { NodeInfo, Resources } from './framework.js';
import { integerValue as value, milliValue } from '../api/quantity.js';
import { aggregateContainers, type Combine, type ContainerLike } from '../api/podResources.js';

/** Kubernetes' defaults for a pod that requests nothing, used only when scoring (not when fitting). */
const DEFAULT_MILLI_CPU = 100;
const DEFAULT_MEMORY = 200 * 1024 * 1024;
const DEFAULT_MAX_PODS = 110;

export interface PodRequests extends Resources {
  nonZero: Resources;
}

/** cpu (millicores) and memory (bytes), as asked, and with the scoring defaults for what a container leaves out. */
interface Asked {
  milliCPU: number;
  memory: number;
  nzCPU: number;
  nzMem: number;
}

const asked: Combine<Asked> = {
  zero: { milliCPU: 0, memory: 0, nzCPU: 0, nzMem: 0 },
  add: (a, b) => ({ milliCPU: a.milliCPU + b.milliCPU, memory: a.memory + b.memory, nzCPU: a.nzCPU + b.nzCPU, nzMem: a.nzMem + b.nzMem }),
  max: (a, b) => ({ milliCPU: Math.max(a.milliCPU, b.milliCPU), memory: Math.max(a.memory, b.memory), nzCPU: Math.max(a.nzCPU, b.nzCPU), nzMem: Math.max(a.nzMem, b.nzMem) }),
};

function containerAsks(c: ContainerLike): Asked {
  const r = c.resources?.requests ?? {};
  const cpu = r.cpu !== undefined ? milliValue(r.cpu) : 0;
  const mem = r.memory !== undefined ? value(r.memory as string) : 0;
  return { milliCPU: cpu, memory: mem, nzCPU: r.cpu !== undefined ? cpu : DEFAULT_MILLI_CPU, nzMem: r.memory !== undefined ? mem : DEFAULT_MEMORY };
}

/**
 * What a pod asks for, as kube-scheduler's NodeResourcesFit computes it (api/podResources.ts: app
 * containers and sidecars together, or the init phase's peak if that is more); `nonZero` with the
 * scoring defaults for a container that states no cpu or memory (NonMissingContainerRequests).
 * Throws QuantityError on a malformed quantity.
 */
export function podRequests(pod: Pod): PodRequests {
  const a = aggregateContainers(pod.spec, containerAsks, asked);
  return { milliCPU: a.milliCPU, memory: a.memory, nonZero: { milliCPU: a.nzCPU, memory: a.nzMem } };
}

interface Entry {
  pod: Pod;
  node: string;
  req: PodRequests;
  owner?: string;
  assumed: boolean;
}

/** What one node holds, kept up to date pod by pod so a cycle never walks every pod. */
class NodeAgg {
  readonly entries = new Map<string, Entry>();
  readonly requested: Resources = { milliCPU: 0, memory: 0 };
  readonly nonZero: Resources = { milliCPU: 0, memory: 0 };
  readonly owners = new Map<string, number>();
  /** Pods with any affinity: InterPodAffinity reads only these (kube-scheduler's PodsWithAffinity). */
  affinityCount = 0;
  /** Bumped on every change; a snapshot built at an older version is rebuilt. */
  version = 0;
  snapshot?: { version: number; node: Node; info: NodeInfo };

  add(key: string, e: Entry, sign: 1 | -1): void {
    if (sign === 1) this.entries.set(key, e);
    else this.entries.delete(key);
    this.requested.milliCPU += sign * e.req.milliCPU;
    this.requested.memory += sign * e.req.memory;
    this.nonZero.milliCPU += sign * e.req.nonZero.milliCPU;
    this.nonZero.memory += sign * e.req.nonZero.memory;
    if (e.owner) {
      const n = (this.owners.get(e.owner) ?? 0) + sign;
      if (n > 0) this.owners.set(e.owner, n);
      else this.owners.delete(e.owner);
    }
    if (e.pod.spec.affinity) this.affinityCount += sign;
    this.version++;
  }

  info(name: string, node: Node): NodeInfo {
    const s = this.snapshot;
    if (s && s.version === this.version && s.node === node) return s.info;
    const pods: Pod[] = [];
    for (const e of this.entries.values()) pods.push(e.pod);
    const info: NodeInfo = {
      name,
      node,
      allocatable: allocatableOf(node),
      requested: { ...this.requested },
      nonZeroRequested: { ...this.nonZero },
      podCount: this.entries.size,
      ownerCounts: new Map(this.owners),
      pods,
      podsWithAffinity: this.affinityCount ? pods.filter((p) => p.spec.affinity) : [],
    };
    this.snapshot = { version: this.version, node, info };
    return info;
  }
}

/**
 * The scheduler's view of what is placed where (kube-scheduler's cache): every non-terminal pod
 * bound to a node, plus pods this scheduler has just bound whose binding the informer has not
 * shown yet ("assumed"), so back-to-back cycles never double-book a node. Aggregates are kept per
 * node as pods come and go, and each node's NodeInfo snapshot is reused until that node or its
 * pods change: a cycle costs O(nodes), not O(pods) (kube-scheduler's incremental snapshot).
 */
export class SchedulerCache {
  private readonly pods = new Map<string, Entry>();
  private readonly byNode = new Map<string, NodeAgg>();

  /** Called with every pod the informer shows (add or update). */
  update(pod: Pod): void {
    const key = keyOf(pod);
    if (!pod.spec.nodeName || isPodTerminal(pod)) {
      // An assumed pod may still look unbound in a stale event: keep the assumption.
      if (!(this.pods.get(key)?.assumed && !pod.spec.nodeName && !isPodTerminal(pod))) this.remove(key);
      return;
    }
    this.put(key, { pod, node: pod.spec.nodeName, req: safeRequests(pod), owner: controllerRef(pod)?.uid, assumed: false });
  }

  remove(key: string): void {
    const e = this.pods.get(key);
    if (!e) return;
    this.pods.delete(key);
    const agg = this.byNode.get(e.node);
    agg?.add(key, e, -1);
    if (agg && agg.entries.size === 0) this.byNode.delete(e.node);
  }

  assume(pod: Pod, node: string): void {
    const key = keyOf(pod);
    if (this.pods.has(key)) return;
    this.put(key, { pod: { ...pod, spec: { ...pod.spec, nodeName: node } }, node, req: safeRequests(pod), owner: controllerRef(pod)?.uid, assumed: true });
  }

  /** Drops an assumption whose binding failed (a pod the informer showed bound stays). */
  forget(key: string): void {
    if (this.pods.get(key)?.assumed) this.remove(key);
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  /** A snapshot of each node for one scheduling cycle. */
  nodeInfos(nodes: Node[]): NodeInfo[] {
    return nodes.map((node) => {
      const name = node.metadata.name ?? '';
      const agg = this.byNode.get(name);
      if (agg) return agg.info(name, node);
      return { name, node, allocatable: allocatableOf(node), requested: { milliCPU: 0, memory: 0 }, nonZeroRequested: { milliCPU: 0, memory: 0 }, podCount: 0, ownerCounts: new Map(), pods: [], podsWithAffinity: [] };
    });
  }

  private put(key: string, e: Entry): void {
    this.remove(key);
    this.pods.set(key, e);
    let agg = this.byNode.get(e.node);
    if (!agg) this.byNode.set(e.node, (agg = new NodeAgg()));
    agg.add(key, e, 1);
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

/** Parsed once per Node object (the informer hands a new object on every change). */
const allocatables = new WeakMap<Node, NodeInfo['allocatable']>();

function allocatableOf(node: Node): NodeInfo['allocatable'] {
  const known = allocatables.get(node);
  if (known) return known;
  const parsed = parseAllocatable(node);
  allocatables.set(node, parsed);
  return parsed;
}

function parseAllocatable(node: Node): NodeInfo['allocatable'] {
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
