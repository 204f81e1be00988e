import { getCondition } from '../api/podutil.js';
import type { Node } from '../api/types.js';

/** The zone label, and its older spelling, as the node lifecycle controller reads them. */
const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** Kubernetes' `--unhealthy-zone-threshold` and `--large-cluster-size-threshold`. */
export const UNHEALTHY_ZONE_THRESHOLD = 0.55;
export const LARGE_CLUSTER_THRESHOLD = 50;

export function zoneOf(node: Node): string {
  for (const l of ZONE_LABELS) {
    const z = node.metadata.labels?.[l];
    if (z) return z;
  }
  return '';
}

/** Ready=True; anything else (False, Unknown, no condition yet) counts as not ready. */
export function nodeReady(node: Node): boolean {
  return getCondition(node.status?.conditions, 'Ready')?.status === 'True';
}

/**
 * A zone's state as Kubernetes' node lifecycle controller computes it (`ComputeZoneState`) over the
 * nodes that have reported a Ready condition: every node not ready is a full disruption; more than two not ready and at least 55% of the zone is a
 * partial one.
 */
export function zoneState(all: readonly Node[]): ZoneState {
  // A node that has not reported yet (just registered; the node controller marks it Unknown after
  // the grace period if it never does) is new, not unreachable: it is in no zone's count until then.
  const nodes = all.filter((n) => getCondition(n.status?.conditions, 'Ready') !== undefined);
  const notReady = nodes.filter((n) => !nodeReady(n)).length;
  if (nodes.length > 0 && notReady === nodes.length) return 'FullDisruption';
  if (notReady > 2 && notReady / nodes.length >= UNHEALTHY_ZONE_THRESHOLD) return 'PartialDisruption';
  return 'Normal';
}

/** What eviction may do in a zone, given every zone's state. */
export interface EvictionPolicy {
  /** Evictions are stopped in every zone: all nodes are not ready at once. */
  allDisrupted: boolean;
  /** Per zone: may pods be evicted there now, and at what pace (nodes per second). */
  rate(zone: string): number;
  states: ReadonlyMap<string, ZoneState>;
}

/**
 * The eviction rates of `handleDisruption`: when every zone is fully disrupted the fault is on the
 * control plane's side (it cannot reach anyone: it was asleep, or its network is down), so nothing
 * is evicted. Otherwise a normal zone evicts at the primary rate (0.1 node/s), a fully disrupted one
 * too (its nodes are gone; others can take the pods), and a partially disrupted one at the secondary
 * rate: 0.01 node/s in a cluster over 50 nodes, and not at all in a smaller one.
 */
export function evictionPolicy(nodes: readonly Node[]): EvictionPolicy {
  const byZone = new Map<string, Node[]>();
  for (const n of nodes) {
    const z = zoneOf(n);
    const list = byZone.get(z);
    if (list) list.push(n);
    else byZone.set(z, [n]);
  }
  const states = new Map<string, ZoneState>();
  for (const [z, list] of byZone) states.set(z, zoneState(list));
  const allDisrupted = states.size > 0 && [...states.values()].every((s) => s === 'FullDisruption');
  const large = nodes.length > LARGE_CLUSTER_THRESHOLD;
  return {
    allDisrupted,
    states,
    rate(zone) {
      if (allDisrupted) return 0;
      const s = states.get(zone) ?? 'Normal';
      if (s === 'PartialDisruption') return large ? 0.01 : 0;
      return 0.1;
    },
  };
}
