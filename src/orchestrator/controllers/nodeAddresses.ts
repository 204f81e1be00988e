import { deepEqual } from '../api/podutil.js';
import type { Node } from '../api/types.js';
import type { Informer } from '../client/Informer.js';

/** One address in a `status.loadBalancer.ingress` list. */
export type LoadBalancerIngress = { ip: string; ipMode: 'VIP' };

/**
 * The InternalIPs of the Ready, not deleting nodes, deduplicated and sorted: the addresses ServiceLB
 * gives a LoadBalancer Service and the built-in ingress controller gives an Ingress, since every
 * such node opens their ports.
 */
export function readyNodeAddresses(list: readonly Node[]): LoadBalancerIngress[] {
  return toIngress(readyNodes(list).map((n) => n.ip));
}

/** A Ready node and its InternalIP. */
export interface ReadyNode {
  name: string;
  ip: string;
}

/** The Ready, not deleting nodes that have an InternalIP. */
export function readyNodes(list: readonly Node[]): ReadyNode[] {
  const out: ReadyNode[] = [];
  for (const n of list) {
    if (n.metadata.deletionTimestamp) continue;
    if (n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') continue;
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (ip) out.push({ name: n.metadata.name ?? '', ip });
  }
  return out;
}

/** Addresses as a `status.loadBalancer.ingress` list: deduplicated and sorted. */
export function toIngress(ips: readonly string[]): LoadBalancerIngress[] {
  return [...new Set(ips)].sort().map((ip) => ({ ip, ipMode: 'VIP' }));
}

/**
 * Calls `kick` when a node comes or goes, or when an update changes what it adds to
 * {@link readyNodeAddresses} (readiness, InternalIP, deletion): not on every status heartbeat.
 */
export function onNodeAddressChange(nodes: Informer<Node>, kick: () => void): void {
  nodes.addHandlers({
    onAdd: kick,
    onUpdate: (o, n) => {
      if (!deepEqual(readyNodeAddresses([o]), readyNodeAddresses([n]))) kick();
    },
    onDelete: kick,
  });
}
