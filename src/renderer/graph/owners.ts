import type { Job, KubeObject, Pod, ReplicaSet } from '../../orchestrator/api/types.js';
import type { ObjectMap } from '../store/kinds.js';

/** A controller that owns pods, named as a user knows it (a Deployment, not its ReplicaSet). */
export interface Workload {
  kind: string;
  namespace: string;
  name: string;
}

export const workloadKey = (w: Workload): string => `${w.kind}/${w.namespace}/${w.name}`;

/** The controllers a pod's own controller may sit under, as the store holds them. */
export interface Owners {
  replicasets: ObjectMap<ReplicaSet>;
  jobs: ObjectMap<Job>;
}

/**
 * Controllers that run under another one a user knows better: a Deployment's ReplicaSets, a
 * CronJob's Jobs. One step up, read from the child's own owner reference (the store's map).
 */
const CLIMBS: readonly { child: string; parent: string; map: keyof Owners }[] = [
  { child: 'ReplicaSet', parent: 'Deployment', map: 'replicasets' },
  { child: 'Job', parent: 'CronJob', map: 'jobs' },
];

/**
 * The store's maps of those in-between controllers (ReplicaSets, Jobs): with pods, the watched kinds
 * whose objects a workload owns, searched for its children and for what its deletion takes.
 */
export const INTERMEDIATE_MAPS: readonly (keyof Owners)[] = CLIMBS.map((c) => c.map);

/** The object a pod's controller reference leads to when that controller may sit under another (its ReplicaSet, its Job), as the store holds it. */
export function intermediateOf(pod: Pod, owners: Owners): KubeObject | undefined {
  const ref = pod.metadata.ownerReferences?.find((o) => o.controller);
  const climb = ref && CLIMBS.find((c) => c.child === ref.kind);
  return climb ? (owners[climb.map] as ObjectMap<KubeObject>)[`${pod.metadata.namespace ?? 'default'}/${ref.name}`] : undefined;
}

/**
 * The workload a pod belongs to: its controller, or the one above it (the Deployment above its
 * ReplicaSet, the CronJob above its Job, as the child says in its own owner references).
 * Undefined for a bare pod.
 */
export function workloadOf(pod: Pod, owners: Owners): Workload | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  const ref = pod.metadata.ownerReferences?.find((o) => o.controller);
  if (!ref) return undefined;
  const climb = CLIMBS.find((c) => c.child === ref.kind);
  if (climb) {
    const up = intermediateOf(pod, owners)?.metadata.ownerReferences?.find((o) => o.controller);
    if (up?.kind === climb.parent) return { kind: climb.parent, namespace: ns, name: up.name };
  }
  return { kind: ref.kind, namespace: ns, name: ref.name };
}

/** The pods of a workload, by name. O(pods). */
export function podsOfWorkload(pods: ObjectMap<Pod>, owners: Owners, w: Workload): Pod[] {
  const out: Pod[] = [];
  for (const p of Object.values(pods)) {
    const owner = workloadOf(p, owners);
    if (owner && owner.kind === w.kind && owner.namespace === w.namespace && owner.name === w.name) out.push(p);
  }
  return out.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}
