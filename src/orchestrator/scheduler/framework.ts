import type { Node, Pod } from '../api/types.js';
import type { SharedInformers } from '../client/SharedInformers.js';
import type { Client } from '../client/types.js';

/** What plugins that read other kinds (VolumeBinding: claims, volumes, classes) and write before a bind get. */
export interface ClusterAccess {
  informers: SharedInformers;
  client: Client;
}

/** CPU in millicores, memory in bytes, and a pod count. */
export interface Resources {
  milliCPU: number;
  memory: number;
}

/**
 * One node as a scheduling cycle sees it: the Node, what it can hold, and what the pods bound (or
 * assumed bound) to it already ask for. Built fresh for every cycle from the scheduler cache.
 */
export interface NodeInfo {
  readonly name: string;
  readonly node: Node;
  /** From `status.allocatable` (else `capacity`). Undefined when the node does not report it: not limited. */
  readonly allocatable: { milliCPU?: number; memory?: number; pods: number };
  /** Sum of the requests of non-terminal pods on the node. */
  readonly requested: Resources;
  /** The same with Kubernetes' defaults for pods that request nothing (100m, 200Mi), for scoring. */
  readonly nonZeroRequested: Resources;
  readonly podCount: number;
  /** How many of the node's pods each controller (by owner uid) has there: for spreading. */
  readonly ownerCounts: ReadonlyMap<string, number>;
  /** The non-terminal pods bound (or assumed bound) to the node: for ports, affinity and spreading. */
  readonly pods: readonly Pod[];
  /** Those of `pods` with any `spec.affinity` (kube-scheduler's PodsWithAffinity): the only ones whose anti-affinity can reject a pod. */
  readonly podsWithAffinity: readonly Pod[];
}

/**
 * Per-cycle scratch space shared by the plugins of one scheduling attempt (kube-scheduler's
 * CycleState): a preFilter computes something once (the pod's requests, its parsed affinity) and
 * the filters and scores read it for every node. Discarded when the cycle ends.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose preFilter answered {@link SKIP}: their filter does not run this cycle. */
  readonly skipFilter = new Set<string>();
  /** Plugins whose preScore answered {@link SKIP}: they score 0 on every node this cycle, without being asked. */
  readonly skipScore = new Set<string>();
  /** The scheduler's informers and client; absent in plugin unit tests that need neither. */
  constructor(readonly cluster?: ClusterAccess) {}
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

export const MAX_NODE_SCORE = 100;

/**
 * What a preFilter or preScore answers when the pod asks nothing of that plugin this cycle (no
 * node selector, no affinity, no host ports...): kube-scheduler's `Skip` status. The framework then
 * leaves the plugin's filter (every node passes it) or score (0 on every node) out of the cycle,
 * rather than calling it once per node for an answer known in advance.
 */
export const SKIP = 'skip';
export type Skip = typeof SKIP;

/**
 * A scheduler plugin (kube-scheduler framework). Every hook is optional; a plugin implements the
 * extension points it needs:
 * - `preFilter` runs once per cycle; it may throw `InvalidSpec` (the pod can never be scheduled as
 *   written: a bad quantity, a malformed affinity) and then the pod is reported and left alone.
 * - `filter` runs per node and returns the reasons the node cannot take the pod (empty: it fits).
 *   Reasons are kube-scheduler's phrases (`Insufficient cpu`), counted per node in the pod's message.
 * - `preScore` runs once over the feasible nodes; `score` returns 0..100 per feasible node; the
 *   framework multiplies by `weight` (default 1) and sums over plugins. Highest total wins.
 * - `preFilter` answering {@link SKIP} means its filter passes every node this cycle; `preScore`
 *   answering it means its score is 0 on every node. Only answer it when that is exactly so.
 */
export interface Plugin {
  readonly name: string;
  readonly weight?: number;
  /** `nodes` is every node of the cycle (for plugins that look across topology domains). */
  preFilter?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): void | Skip;
  filter?(state: CycleState, pod: Pod, node: NodeInfo): string[];
  preScore?(state: CycleState, pod: Pod, nodes: NodeInfo[]): void | Skip;
  score?(state: CycleState, pod: Pod, node: NodeInfo): number;
  /** After the node is chosen, before the pod is bound (VolumeBinding names the node on its claims). Throws to retry the pod. */
  preBind?(state: CycleState, pod: Pod, nodeName: string): Promise<void>;
}

/** Runs every preFilter once for the cycle, noting those that {@link SKIP} their filter. May throw `InvalidSpec`. */
export function runPreFilters(plugins: readonly Plugin[], state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): void {
  for (const p of plugins) if (p.preFilter?.(state, pod, nodes) === SKIP) state.skipFilter.add(p.name);
}

/** What a filter answers for a node that fits: one shared empty list (a filter runs per node per cycle). Frozen: never add to it. */
export const FITS: string[] = Object.freeze([]) as unknown as string[];

/** Result of filtering: the nodes that fit, and for the rest the first failing plugin's reasons. */
export interface FilterResult {
  feasible: NodeInfo[];
  reasons: Map<string, string[]>;
}

/**
 * Filters `nodes` in order. With `limit`, stops once that many nodes fit (kube-scheduler's
 * percentageOfNodesToScore), starting at `start` and wrapping around so successive cycles spread
 * over every node. A pod that fits nowhere is still checked against every node, so its per-node
 * reasons are complete.
 */
export function runFilters(plugins: readonly Plugin[], state: CycleState, pod: Pod, nodes: readonly NodeInfo[], opts: { limit?: number; start?: number } = {}): FilterResult & { processed: number } {
  const feasible: NodeInfo[] = [];
  const reasons = new Map<string, string[]>();
  const filters = plugins.filter((p) => p.filter && !state.skipFilter.has(p.name));
  const limit = opts.limit ?? nodes.length;
  const start = nodes.length ? (opts.start ?? 0) % nodes.length : 0;
  let processed = 0;
  for (; processed < nodes.length && feasible.length < limit; processed++) {
    const n = nodes[(start + processed) % nodes.length] as NodeInfo;
    let failed: string[] | undefined;
    for (const p of filters) {
      const r = p.filter?.(state, pod, n);
      if (r && r.length) {
        failed = r;
        break;
      }
    }
    if (failed) reasons.set(n.name, failed);
    else feasible.push(n);
  }
  return { feasible, reasons, processed };
}

/** kube-scheduler's minimum of feasible nodes to find before scoring, and the adaptive percentage's floor. */
const MIN_FEASIBLE_NODES = 100;
const MIN_FEASIBLE_PERCENTAGE = 5;

/**
 * How many feasible nodes a cycle looks for before it stops filtering and scores them
 * (kube-scheduler's numFeasibleNodesToFind): every node below 100; else `percentage` of them (0 or
 * unset: adaptive, 50% minus 1% per 125 nodes, at least 5%), never fewer than 100.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES || percentage >= 100) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(MIN_FEASIBLE_PERCENTAGE, 50 - Math.floor(numAllNodes / 125));
  const n = Math.floor((numAllNodes * pct) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES);
}

/** Weighted total score per feasible node; the best node, ties broken by name for determinism. */
export function selectHost(plugins: readonly Plugin[], state: CycleState, pod: Pod, feasible: NodeInfo[]): { node: NodeInfo; score: number; scores(): Map<string, number> } | undefined {
  if (feasible.length === 0) return undefined;
  // Totals by position (plugins x nodes additions on every cycle), named once at the end.
  const totals = new Float64Array(feasible.length);
  for (const p of plugins) {
    if (!p.score) continue;
    if (p.preScore?.(state, pod, feasible) === SKIP) {
      state.skipScore.add(p.name);
      continue;
    }
    const weight = p.weight ?? 1;
    for (let i = 0; i < feasible.length; i++) {
      totals[i] = (totals[i] as number) + Math.max(0, Math.min(MAX_NODE_SCORE, p.score(state, pod, feasible[i] as NodeInfo))) * weight;
    }
  }
  let best: NodeInfo | undefined;
  let bestScore = -Infinity;
  for (let i = 0; i < feasible.length; i++) {
    const n = feasible[i] as NodeInfo;
    const s = totals[i] as number;
    // Ties go to the first name in code-unit order (deterministic; localeCompare cost 1-2% of a cycle).
    if (s > bestScore || (s === bestScore && best && n.name < best.name)) {
      best = n;
      bestScore = s;
    }
  }
  // Every node's total, by name, only for whoever asks (tests, a debug log): not built per cycle.
  return best ? { node: best, score: bestScore, scores: () => new Map(feasible.map((n, i) => [n.name, totals[i] as number])) } : undefined;
}

/**
 * kube-scheduler's FitError message: `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't
 * match Pod's node affinity/selector.` Each reason counted over nodes, sorted as strings.
 */
export function fitErrorMessage(numNodes: number, reasons: Map<string, string[]>): string {
  if (numNodes === 0) return 'no nodes available to schedule pods';
  const counts = new Map<string, number>();
  for (const list of reasons.values()) for (const r of list) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${numNodes} nodes are available: ${parts.join(', ')}.`;
}
