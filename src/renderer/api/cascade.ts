import type { KubeObject } from '../../orchestrator/api/types.js';
import type { ClusterObjects, WatchedKind } from '../store/kinds.js';

/** Kinds searched for dependents: the ones the app watches and that have owners. */
const OWNED: readonly WatchedKind[] = ['replicasets', 'pods', 'endpoints'];

/**
 * What goes with `obj` when it is deleted with background or foreground propagation: every watched
 * object whose ownerReferences reach it, transitively (Deployment -> ReplicaSets -> Pods). For a
 * Namespace: everything known in it.
 */
export function dependentsOf(obj: KubeObject, cluster: ClusterObjects): KubeObject[] {
  if (obj.kind === 'Namespace') {
    const ns = obj.metadata.name;
    const out: KubeObject[] = [];
    for (const k of ['deployments', 'replicasets', 'pods', 'services'] as const) for (const o of Object.values(cluster[k])) if (o.metadata.namespace === ns) out.push(o);
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

/** `2 ReplicaSets and 5 Pods`: counts by kind, for the confirmation. */
export function countByKind(objs: readonly KubeObject[]): string {
  const m = new Map<string, number>();
  for (const o of objs) m.set(o.kind, (m.get(o.kind) ?? 0) + 1);
  const parts = [...m].map(([k, n]) => `${n} ${k}${n === 1 ? '' : k.endsWith('s') ? '' : 's'}`);
  return parts.length <= 1 ? (parts[0] ?? 'nothing') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
