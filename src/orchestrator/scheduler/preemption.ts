import { controllerRef, podPriority } from '../api/podutil.js';
import type { PodDisruptionBudget } from '../api/policy.js';
import { selectorMatches } from '../api/selectors.js';
import type { Pod } from '../api/types.js';
import { podRequests } from './cache.js';
import { CycleState, runFilters, runPreFilters, type NodeInfo, type Plugin } from './framework.js';

/**
 * What filters answer that removing pods from the node can cure: kube-scheduler's `Unschedulable`, as
 * opposed to `UnschedulableAndUnresolvable` (a selector, a taint, a missing topology label, or pod
 * affinity: removing pods never creates the pod a term asks for).
 */
const CURABLE_BY_ITSELF = new Set(['Too many pods', "node(s) didn't have free ports for the requested pod ports"]);
/** Of those, the ones decided over the whole cluster in the cycle's preFilter (which a simulation must run again). */
const CURABLE_CLUSTER_WIDE = new Set([
  "node(s) didn't match pod anti-affinity rules",
  "node(s) didn't satisfy existing pods anti-affinity rules",
  "node(s) didn't match pod topology spread constraints",
]);

function curable(reason: string): boolean {
  return reason.startsWith('Insufficient ') || CURABLE_BY_ITSELF.has(reason) || CURABLE_CLUSTER_WIDE.has(reason);
}

const priorityOf = podPriority;

function safeRequests(p: Pod) {
  try {
    return podRequests(p);
  } catch {
    return { milliCPU: 0, memory: 0, nonZero: { milliCPU: 0, memory: 0 } };
  }
}

/** The node as it would be without `removed`. */
export function without(info: NodeInfo, removed: ReadonlySet<Pod>): NodeInfo {
  const requested = { ...info.requested };
  const nonZero = { ...info.nonZeroRequested };
  const owners = new Map(info.ownerCounts);
  for (const p of removed) {
    const r = safeRequests(p);
    requested.milliCPU -= r.milliCPU;
    requested.memory -= r.memory;
    nonZero.milliCPU -= r.nonZero.milliCPU;
    nonZero.memory -= r.nonZero.memory;
    const o = controllerRef(p)?.uid;
    if (o) owners.set(o, (owners.get(o) ?? 1) - 1);
  }
  return { ...info, requested, nonZeroRequested: nonZero, podCount: info.podCount - removed.size, ownerCounts: owners, pods: info.pods.filter((p) => !removed.has(p)), podsWithAffinity: info.podsWithAffinity.filter((p) => !removed.has(p)) };
}

/**
 * The node as it would be with `added` placed on it too: the pods nominated to it (after preempting
 * there) that outrank the pod being scheduled, whose room a cycle must not give away while their
 * victims terminate (kube-scheduler's addNominatedPods).
 */
export function withPods(info: NodeInfo, added: readonly Pod[]): NodeInfo {
  const requested = { ...info.requested };
  const nonZero = { ...info.nonZeroRequested };
  const owners = new Map(info.ownerCounts);
  for (const p of added) {
    const r = safeRequests(p);
    requested.milliCPU += r.milliCPU;
    requested.memory += r.memory;
    nonZero.milliCPU += r.nonZero.milliCPU;
    nonZero.memory += r.nonZero.memory;
    const o = controllerRef(p)?.uid;
    if (o) owners.set(o, (owners.get(o) ?? 0) + 1);
  }
  const pods = [...info.pods, ...added];
  return { ...info, requested, nonZeroRequested: nonZero, podCount: info.podCount + added.length, ownerCounts: owners, pods, podsWithAffinity: pods.filter((p) => p.spec.affinity) };
}

export interface Preemption {
  node: string;
  victims: Pod[];
}

/**
 * The pods whose deletion a PodDisruptionBudget does not allow (kube-scheduler's
 * filterPodsWithPDBViolation): each budget's `disruptionsAllowed` is spent over `pods` in order, a pod
 * already in its `disruptedPods` spends nothing, and a pod that overdraws any budget violates it.
 */
export function violatingPods(pods: readonly Pod[], pdbs: readonly PodDisruptionBudget[]): Set<Pod> {
  const allowed = pdbs.map((b) => b.status?.disruptionsAllowed ?? 0);
  const out = new Set<Pod>();
  for (const p of pods) {
    pdbs.forEach((b, i) => {
      if ((b.metadata.namespace ?? 'default') !== (p.metadata.namespace ?? 'default')) return;
      if (!selectorMatches(b.spec.selector, p.metadata.labels)) return;
      if (b.status?.disruptedPods?.[p.metadata.name ?? '']) return;
      allowed[i] = (allowed[i] ?? 0) - 1;
      if ((allowed[i] ?? 0) < 0) out.add(p);
    });
  }
  return out;
}

/**
 * kube-scheduler's DefaultPreemption, in small: on each node rejected only for reasons that fewer
 * pods would cure (resources, pod count, host ports, anti-affinity, topology spread), remove every pod of lower priority (not already terminating), check the pod
 * fits, then give back as many of them as still leave room, highest priority first, those whose
 * eviction would break a PodDisruptionBudget before the others (the reprieve). The node whose
 * victims break the fewest budgets wins, then the lowest top priority, then the fewest victims.
 * Budgets are weighed, not enforced: when only violating victims make room, they are preempted, as
 * upstream does. Pods with `preemptionPolicy: Never` preempt nothing.
 */
export function findPreemption(
  plugins: readonly Plugin[],
  state: CycleState,
  pod: Pod,
  nodes: readonly NodeInfo[],
  reasons: ReadonlyMap<string, string[]>,
  pdbs: readonly PodDisruptionBudget[] = [],
): Preemption | undefined {
  if ((pod.spec as { preemptionPolicy?: string }).preemptionPolicy === 'Never') return undefined;
  const prio = priorityOf(pod);
  // kube-scheduler's PodEligibleToPreemptOthers: a pod already nominated to a node where lower-priority
  // victims are still terminating waits for them instead of preempting again elsewhere.
  const nominated = nodes.find((n) => n.name === pod.status?.nominatedNodeName);
  if (nominated?.pods.some((p) => p.metadata.deletionTimestamp && priorityOf(p) < prio)) return undefined;
  const candidates: { node: string; victims: Pod[]; top: number; violations: number }[] = [];
  for (const info of nodes) {
    const why = reasons.get(info.name);
    if (!why || !why.every(curable)) continue;
    const lower = info.pods.filter((p) => !p.metadata.deletionTimestamp && priorityOf(p) < prio).sort((a, b) => priorityOf(b) - priorityOf(a));
    if (lower.length === 0) continue;
    // Anti-affinity and topology spread were decided over every node's pods in the preFilter: a
    // simulation runs it again over the cluster with this node's victims gone (kube-scheduler's
    // PreFilterExtensions RemovePod). Resources, pod count and ports need the node alone.
    const clusterWide = why.some((r) => CURABLE_CLUSTER_WIDE.has(r));
    const fits = (view: NodeInfo): boolean => {
      if (!clusterWide) return runFilters(plugins, state, pod, [view]).feasible.length === 1;
      const fresh = new CycleState(state.cluster);
      runPreFilters(plugins, fresh, pod, nodes.map((n) => (n === info ? view : n)));
      return runFilters(plugins, fresh, pod, [view]).feasible.length === 1;
    };
    const removed = new Set(lower);
    if (!fits(without(info, removed))) continue;
    const violating = violatingPods(lower, pdbs);
    let violations = 0;
    for (const p of [...lower.filter((x) => violating.has(x)), ...lower.filter((x) => !violating.has(x))]) {
      removed.delete(p);
      if (!fits(without(info, removed))) {
        removed.add(p);
        if (violating.has(p)) violations++;
      }
    }
    const victims = lower.filter((p) => removed.has(p));
    candidates.push({ node: info.name, victims, top: Math.max(...victims.map(priorityOf)), violations });
  }
  candidates.sort((a, b) => a.violations - b.violations || a.top - b.top || a.victims.length - b.victims.length || a.node.localeCompare(b.node));
  const best = candidates[0];
  return best ? { node: best.node, victims: best.victims } : undefined;
}
