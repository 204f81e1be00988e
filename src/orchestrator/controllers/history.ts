import { ApiError, isNotFound } from '../api/errors.js';
import { canonicalJson, controllerRef, newControllerRef } from '../api/podutil.js';
import type { ControllerRevision, KubeObject, PodTemplateSpec } from '../api/types.js';
import type { Client } from '../client/types.js';
import { templateHash } from './deploymentutil.js';

/** The label on ControllerRevisions and pods naming the revision (its hash). */
export const REVISION_HASH_LABEL = 'controller-revision-hash';

/** A DaemonSet or StatefulSet as far as its history is concerned. */
export interface HistoryOwner extends KubeObject {
  spec: { template: PodTemplateSpec; revisionHistoryLimit?: number };
}

/**
 * The revision data Kubernetes stores for DaemonSets and StatefulSets: a strategic merge patch that
 * replaces the pod template, so `kubectl rollout undo` can PATCH it back onto the owner as it is.
 */
export function revisionData(owner: HistoryOwner): { spec: { template: Record<string, unknown> } } {
  return sortedKeys({ spec: { template: { ...goShaped(owner.spec.template), $patch: 'replace' } } }) as { spec: { template: Record<string, unknown> } };
}

/**
 * The template as Go's encoding/json writes the typed struct: kubectl compares the revision's bytes
 * with its own encoding of the live object (`rollout undo` says "skipped rollback" when equal), so
 * the fields Go always writes are added (`creationTimestamp: null`, a container's `resources: {}`).
 */
function goShaped(t: PodTemplateSpec): Record<string, unknown> {
  const out = structuredClone(t) as unknown as Record<string, unknown>;
  const meta = (out.metadata ?? {}) as Record<string, unknown>;
  if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
  out.metadata = meta;
  const spec = (out.spec ?? {}) as Record<string, unknown>;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const cs = spec[list];
    if (Array.isArray(cs)) for (const c of cs) if (c && typeof c === 'object' && !('resources' in c)) (c as Record<string, unknown>).resources = {};
  }
  return out;
}

/** A deep copy with object keys in sorted order (Go marshals maps that way; the API returns keys as stored). */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortedKeys(o[k])]));
}

export function revisionHash(owner: HistoryOwner): string {
  return templateHash(owner.spec.template, (owner.status as { collisionCount?: number } | undefined)?.collisionCount);
}

export interface History {
  /** The revision of the current template (created or renumbered as the newest). */
  update: ControllerRevision;
  /** Every revision the owner controls, oldest first. */
  all: ControllerRevision[];
}

/**
 * Kubernetes' constructHistory for DaemonSets and StatefulSets: finds the ControllerRevision whose
 * data equals the current template, or creates `<owner>-<hash>` with the next revision number;
 * a template that returns to an older revision (a rollback) gets that revision renumbered as the
 * newest, so `rollout history` lists it last. `candidates` are the namespace's revisions.
 */
export async function syncHistory(client: Client, ownerResource: string, owner: HistoryOwner, candidates: ControllerRevision[]): Promise<History> {
  const all = candidates.filter((r) => controllerRef(r)?.uid === owner.metadata.uid).sort((a, b) => a.revision - b.revision);
  const data = revisionData(owner);
  const want = canonicalJson(data);
  const max = all.reduce((m, r) => Math.max(m, r.revision), 0);
  const same = all.filter((r) => canonicalJson(r.data) === want);
  let update = same[same.length - 1];
  if (update && update.revision !== max) {
    update = await client.patch<ControllerRevision>('controllerrevisions', update.metadata.namespace, update.metadata.name ?? '', 'merge', { revision: max + 1, metadata: { resourceVersion: update.metadata.resourceVersion } });
  }
  if (!update) {
    const hash = revisionHash(owner);
    const cr: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata.name}-${hash}`,
        namespace: owner.metadata.namespace,
        labels: { ...owner.spec.template.metadata?.labels, [REVISION_HASH_LABEL]: hash },
        ownerReferences: [newControllerRef(owner)],
      },
      data,
      revision: max + 1,
    };
    const ann = owner.metadata.annotations?.['kubernetes.io/change-cause'];
    if (ann) cr.metadata.annotations = { 'kubernetes.io/change-cause': ann };
    try {
      update = await client.create<ControllerRevision>('controllerrevisions', cr);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
      // Ours, made by an earlier reconcile the cache has not shown yet: use it.
      const existing = await client.get<ControllerRevision>('controllerrevisions', cr.metadata.namespace, cr.metadata.name ?? '');
      if (controllerRef(existing)?.uid === owner.metadata.uid && canonicalJson(existing.data) === want) return { update: existing, all: [...all.filter((r) => r.metadata.uid !== existing.metadata.uid), existing] };
      // Another revision holds the name (a hash collision): hash again with a bumped collisionCount.
      const collisionCount = ((owner.status as { collisionCount?: number } | undefined)?.collisionCount ?? 0) + 1;
      await client.patch(ownerResource, owner.metadata.namespace, owner.metadata.name ?? '', 'merge', { status: { collisionCount } }, { subresource: 'status' });
      throw e;
    }
  }
  const rest = all.filter((r) => r.metadata.uid !== update?.metadata.uid);
  return { update, all: [...rest, update] };
}

/** Deletes the oldest revisions beyond `revisionHistoryLimit` (default 10) that no pod still uses. */
export async function truncateHistory(client: Client, owner: HistoryOwner, history: History, liveHashes: Set<string>): Promise<void> {
  const limit = owner.spec.revisionHistoryLimit ?? 10;
  const old = history.all.filter((r) => r !== history.update && !liveHashes.has(r.metadata.labels?.[REVISION_HASH_LABEL] ?? ''));
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    try {
      await client.delete('controllerrevisions', r.metadata.namespace, r.metadata.name ?? '');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
