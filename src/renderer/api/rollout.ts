import type { Deployment, PodTemplateSpec, ReplicaSet } from '../../orchestrator/api/types.js';

export const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';

/** Annotations a rollback keeps from the Deployment rather than copying from the ReplicaSet (kubectl's list). */
const SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export interface Revision {
  revision: number;
  rs: ReplicaSet;
  /** The ReplicaSet's template as the Deployment would hold it (without the hash label). */
  template: PodTemplateSpec;
  current: boolean;
}

/** A pod template without the ReplicaSet's `pod-template-hash` label: how revisions compare. */
export function templateWithoutHash(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const tpl = structuredClone(t ?? ({ spec: { containers: [] } } as unknown as PodTemplateSpec));
  const labels = tpl.metadata?.labels;
  if (labels && HASH_LABEL in labels) {
    const { [HASH_LABEL]: _h, ...rest } = labels;
    tpl.metadata = { ...tpl.metadata, labels: rest };
  }
  return tpl;
}

/**
 * A Deployment's revisions, newest first, as `kubectl rollout history` lists them: the
 * ReplicaSets it controls (by owner uid) that carry a revision annotation.
 */
export function revisionsOf(d: Deployment, replicaSets: Iterable<ReplicaSet>): Revision[] {
  const current = Number(d.metadata.annotations?.[REVISION] ?? NaN);
  const out: Revision[] = [];
  for (const rs of replicaSets) {
    if (!rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid && o.controller)) continue;
    const revision = Number(rs.metadata.annotations?.[REVISION] ?? NaN);
    if (!Number.isFinite(revision)) continue;
    out.push({ revision, rs, template: templateWithoutHash(rs.spec.template), current: revision === current });
  }
  return out.sort((a, b) => b.revision - a.revision);
}

/**
 * The JSON patch `kubectl rollout undo` sends: the revision's template (hash label removed) and
 * annotations taken from the ReplicaSet, except the bookkeeping ones the Deployment keeps.
 */
export function rollbackPatch(d: Deployment, rs: ReplicaSet): { op: 'replace'; path: string; value: unknown }[] {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (SKIPPED_ANNOTATIONS.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!SKIPPED_ANNOTATIONS.has(k)) annotations[k] = v;
  return [
    { op: 'replace', path: '/spec/template', value: templateWithoutHash(rs.spec.template) },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
}

/** The strategic-merge patch of `kubectl rollout restart`: a new template annotation starts a rollout. */
export function restartPatch(nowIso: string): Record<string, unknown> {
  return { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': nowIso } } } } };
}
