import type { Deployment, PodTemplateSpec, ReplicaSet } from '../api/types.js';
import { canonicalJson } from '../api/podutil.js';

/** Annotations the deployment controller writes, with their Kubernetes names. */
export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const HASH_LABEL = 'pod-template-hash';

/** Deployment annotations that are not copied onto its ReplicaSets. */
const NOT_COPIED = new Set([REVISION, DESIRED_REPLICAS, MAX_REPLICAS, 'deployment.kubernetes.io/revision-history', 'kubectl.kubernetes.io/last-applied-configuration']);

export function replicasOf(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

export function rsReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

export function revisionOf(o: { metadata: { annotations?: Record<string, string> } }): number {
  const n = Number(o.metadata.annotations?.[REVISION] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The pod-template-hash: FNV-1a (32 bit) of the template, with the collision count when set, spelled
 * in Kubernetes' "safe" alphabet (no vowels, no look-alike digits), as kube-controller-manager does.
 */
export function templateHash(t: PodTemplateSpec, collisionCount?: number): string {
  let h = 0x811c9dc5;
  const feed = (s: string) => {
    for (const byte of Buffer.from(s, 'utf8')) {
      h ^= byte;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  feed(canonicalJson(t));
  if (collisionCount) feed(String(collisionCount));
  return [...String(h >>> 0)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
}

/** Templates equal once the pod-template-hash label is ignored (Kubernetes' EqualIgnoreHash). */
export function templatesEqual(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  const strip = (t: PodTemplateSpec) => {
    const labels = { ...t.metadata?.labels };
    delete labels[HASH_LABEL];
    const metadata = { ...t.metadata, labels: Object.keys(labels).length ? labels : undefined };
    return canonicalJson({ ...t, metadata });
  };
  return strip(a) === strip(b);
}

/** Annotations for a new (or re-used) ReplicaSet: the deployment's own, plus revision and sizes. */
export function rsAnnotations(d: Deployment, revision: number, existing: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...existing };
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!NOT_COPIED.has(k)) out[k] = v;
  out[REVISION] = String(revision);
  out[DESIRED_REPLICAS] = String(replicasOf(d));
  out[MAX_REPLICAS] = String(replicasOf(d) + maxSurge(d));
  return out;
}

/** Resolves an int-or-percent against `total`, rounding up or down as Kubernetes does. */
export function resolveIntOrPercent(v: number | string | undefined, total: number, fallback: string, roundUp: boolean): number {
  const raw = v ?? fallback;
  if (typeof raw === 'number') return raw;
  const m = /^(\d+)%$/.exec(raw);
  if (!m) {
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 0) return n;
    throw new Error(`invalid value "${raw}": must be an integer or a percentage`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const surge = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, replicasOf(d), '25%', true);
  const unavailable = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, replicasOf(d), '25%', false);
  return surge === 0 && unavailable === 0 ? 0 : surge;
}

/** At least one pod may be unavailable when both surge and unavailability resolve to zero. */
export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || replicasOf(d) === 0) return 0;
  const surge = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, replicasOf(d), '25%', true);
  const unavailable = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, replicasOf(d), '25%', false);
  if (surge === 0 && unavailable === 0) return 1;
  return Math.min(unavailable, replicasOf(d));
}

export function sumSpec(list: ReplicaSet[]): number {
  return list.reduce((n, rs) => n + rsReplicas(rs), 0);
}
export function sumStatus(list: ReplicaSet[], f: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return list.reduce((n, rs) => n + (rs.status?.[f] ?? 0), 0);
}

/** Oldest first by creation, then name: the order old ReplicaSets are scaled down in. */
export function byAge(a: ReplicaSet, b: ReplicaSet): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  return ta - tb || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
