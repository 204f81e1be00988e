import type { KubeObject } from '../../orchestrator/api/types.js';
import { INTERMEDIATE_MAPS } from '../graph/owners.js';
import type { ClusterObjects, WatchedKind } from '../store/kinds.js';

/**
 * Kinds searched for dependents: the ones the app watches and that have owners. The controllers
 * under a workload (a Deployment's ReplicaSets, a CronJob's Jobs) come from the canvas's table of
 * them (graph/owners.ts), so a kind added there is found here too.
 */
const OWNED: readonly WatchedKind[] = [...INTERMEDIATE_MAPS, 'pods', 'endpoints'];

/** What a Namespace's deletion is said to take: the namespaced kinds the app watches that a user made or sees. */
const IN_NAMESPACE = ['deployments', 'replicasets', 'jobs', 'pods', 'services', 'ingresses'] as const;

/**
 * What goes with `obj` when it is deleted with background or foreground propagation: every watched
 * object whose ownerReferences reach it, transitively (Deployment -> ReplicaSets -> Pods, CronJob ->
 * Jobs -> Pods). For a Namespace: everything known in it.
 */
export function dependentsOf(obj: KubeObject, cluster: ClusterObjects): KubeObject[] {
  if (obj.kind === 'Namespace') {
    const ns = obj.metadata.name;
    const out: KubeObject[] = [];
    for (const k of IN_NAMESPACE) for (const o of Object.values(cluster[k]) as KubeObject[]) if (o.metadata.namespace === ns) out.push(o);
    return out;
  }
  const out: KubeObject[] = [];
  const seen = new Set<string>();
  let frontier = obj.metadata.uid ? [obj.metadata.uid] : [];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const k of OWNED) {
      for (const o of Object.values(cluster[k]) as KubeObject[]) {
        const uid = o.metadata.uid ?? `${k}/${o.metadata.namespace}/${o.metadata.name}`;
        if (seen.has(uid) || !o.metadata.ownerReferences?.some((r) => frontier.includes(r.uid))) continue;
        seen.add(uid);
        out.push(o);
        if (o.metadata.uid) next.push(o.metadata.uid);
      }
    }
    frontier = next;
  }
  return out;
}

/** `5 Pods`, `2 Ingresses`, `1 Endpoints` (a kind already plural stays so). */
function counted(kind: string, n: number): string {
  if (n === 1 || (kind.endsWith('s') && !kind.endsWith('ss'))) return `${n} ${kind}`;
  return `${n} ${kind.endsWith('ss') ? `${kind}es` : kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`}`;
}

/** `2 ReplicaSets and 5 Pods`: counts by kind, for the confirmation. */
export function countByKind(objs: readonly KubeObject[]): string {
  const m = new Map<string, number>();
  for (const o of objs) m.set(o.kind, (m.get(o.kind) ?? 0) + 1);
  const parts = [...m].map(([k, n]) => counted(k, n));
  return parts.length <= 1 ? (parts[0] ?? 'nothing') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
