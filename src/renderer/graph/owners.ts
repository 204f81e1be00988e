import type { Pod, ReplicaSet } from '../../orchestrator/api/types.js';
import type { ObjectMap } from '../store/kinds.js';

/** A controller that owns pods, named as a user knows it (a Deployment, not its ReplicaSet). */
export interface Workload {
  kind: string;
  namespace: string;
  name: string;
}

export const workloadKey = (w: Workload): string => `${w.kind}/${w.namespace}/${w.name}`;

/**
 * The workload a pod belongs to: its controller, or the Deployment above its ReplicaSet (as the
 * ReplicaSet says in its own owner references). Undefined for a bare pod.
 */
export function workloadOf(pod: Pod, replicasets: ObjectMap<ReplicaSet>): Workload | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  const ref = pod.metadata.ownerReferences?.find((o) => o.controller);
  if (!ref) return undefined;
  if (ref.kind === 'ReplicaSet') {
    const rs = replicasets[`${ns}/${ref.name}`];
    const up = rs?.metadata.ownerReferences?.find((o) => o.controller);
    if (up?.kind === 'Deployment') return { kind: 'Deployment', namespace: ns, name: up.name };
  }
  return { kind: ref.kind, namespace: ns, name: ref.name };
}

/** The pods of a workload, by name. O(pods). */
export function podsOfWorkload(pods: ObjectMap<Pod>, replicasets: ObjectMap<ReplicaSet>, w: Workload): Pod[] {
  const out: Pod[] = [];
  for (const p of Object.values(pods)) {
    const owner = workloadOf(p, replicasets);
    if (owner && owner.kind === w.kind && owner.namespace === w.namespace && owner.name === w.name) out.push(p);
  }
  return out.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}
