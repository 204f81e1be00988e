/**
 * What a write stores, apart from the registry's state: the object an update builds over the
 * stored one (`mergedForWrite`: identity from the stored object; through a subresource only that
 * part from the request), when generation moves, Go's empty-field omission, the shape a patch must
 * leave, a dry-run delete's answer, generated names, and the bounds on a write's retries.
 */
import { errors } from '../api/errors.js';
import { deepEqual } from '../api/podutil.js';
import type { ResourceType } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { PatchType } from '../client/types.js';
import { isoTime } from '../util/clock.js';

/** The part of an object a write through a subresource may change (undefined: the main resource). */
export type WritePart = 'status' | 'ephemeralcontainers' | undefined;

/**
 * The object to store for an update: identity and server-owned fields come from `current`. Through
 * a subresource (`part`), only that part comes from `input`, everything else from `current`.
 */
export function mergedForWrite<T extends KubeObject>(r: ResourceType, current: T, input: T, part: WritePart): T {
  let next: T;
  if (part === 'status') {
    // Everything but the status is the stored object's: shared with `current`, which every caller
    // read for this attempt alone (Registry.current parses its own copy), not copied. Only the metadata
    // is the write's own.
    next = { ...current, metadata: { ...current.metadata } };
    if ('status' in input) (next as KubeObject).status = input.status;
    else delete (next as KubeObject).status;
  } else if (part === 'ephemeralcontainers') {
    next = structuredClone(current);
    const spec = ((next as KubeObject).spec ?? {}) as Record<string, unknown>;
    const sent = (input as KubeObject).spec as Record<string, unknown> | undefined;
    if (sent?.ephemeralContainers !== undefined && sent.ephemeralContainers !== null) spec.ephemeralContainers = sent.ephemeralContainers;
    else delete spec.ephemeralContainers;
    (next as KubeObject).spec = spec;
  } else {
    next = input;
    next.apiVersion = next.apiVersion ?? current.apiVersion;
    next.kind = next.kind ?? current.kind;
    next.metadata = next.metadata ?? {};
    if (r.hasStatus) {
      if ('status' in current) (next as KubeObject).status = current.status;
      else delete (next as KubeObject).status;
    }
  }
  const m = next.metadata;
  m.name = current.metadata.name;
  m.namespace = current.metadata.namespace;
  m.uid = current.metadata.uid;
  m.creationTimestamp = current.metadata.creationTimestamp;
  m.generation = current.metadata.generation;
  if (current.metadata.deletionTimestamp) {
    m.deletionTimestamp = current.metadata.deletionTimestamp;
    m.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
  } else {
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
  }
  return next;
}

/**
 * What a DELETE does to `current`, given the finalizers it will carry and the grace period (as
 * k8s.io/apiserver's rest.BeforeDelete decides): `remove` it now (no finalizer, no grace); `keep` it
 * as it is (already terminating, and the new grace period would not end sooner); or store `next`:
 * marked terminating (finalizers, deletionTimestamp, grace, and the status the kind sets), or,
 * already terminating, with the shorter grace period. A shorter grace period is kept even while
 * finalizers hold the object (an agent's final grace-0 delete of a Job's pod), so removing the last
 * finalizer then deletes it. A dry run answers `current` for the first two and `next` for the last.
 */
export type DeletePlan = { kind: 'remove' } | { kind: 'keep' } | { kind: 'store'; next: KubeObject };

export function planDelete(current: KubeObject, finalizers: readonly string[], grace: number, status: unknown, now: number): DeletePlan {
  if (finalizers.length === 0 && grace === 0) return { kind: 'remove' };
  const until = now + grace * 1000;
  const was = current.metadata.deletionTimestamp;
  if (was && (grace >= (current.metadata.deletionGracePeriodSeconds ?? 0) || until >= Date.parse(was))) return { kind: 'keep' };
  const next = structuredClone(current);
  next.metadata.deletionTimestamp = isoTime(until);
  next.metadata.deletionGracePeriodSeconds = grace;
  if (!was) {
    next.metadata.finalizers = [...finalizers];
    if (status !== undefined) (next as KubeObject & { status?: unknown }).status = status;
  }
  return { kind: 'store', next };
}

/** Names tried for a create with `generateName` (kube-apiserver: 8). */
export const GENERATE_NAME_ATTEMPTS = 8;

export function randomSuffix(): string {
  const chars = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

/**
 * Go's JSON encoder leaves out empty `omitempty` maps and lists: after the last label, annotation,
 * finalizer or owner is removed, the field is gone (kubectl shows no `annotations: {}`).
 */
export function dropEmptyMeta(obj: KubeObject): void {
  const m = obj.metadata as Record<string, unknown>;
  for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields']) {
    const v = m[k];
    if (v === null || (Array.isArray(v) && v.length === 0) || (v !== undefined && typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0)) delete m[k];
  }
}

/** Generation counts changes to everything but metadata and status (by content: key order is no change). */
export function specChanged(a: KubeObject, b: KubeObject): boolean {
  const { metadata: _am, status: _as, ...x } = a;
  const { metadata: _bm, status: _bs, ...y } = b;
  return !deepEqual(x, y);
}

/**
 * A patch may turn the object, or its metadata, into something that is not an object (`"metadata": 1`
 * in a merge patch): refused as kube-apiserver refuses to decode it, before anything reads it.
 */
export function checkPatchedShape(r: ResourceType, patched: unknown): void {
  const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const version = r.group ? `${r.group}/${r.version}` : r.version;
  const refuse = (what: string, field: string, type: string) =>
    errors.badRequest(`${r.kind} in version "${version}" cannot be handled as a ${r.kind}: json: cannot unmarshal ${what} into Go ${field} of type ${type}`);
  if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw refuse(kindOf(patched), 'value', `*${r.kind}`);
  const meta = (patched as { metadata?: unknown }).metadata;
  if (meta !== undefined && meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) throw refuse(kindOf(meta), `struct field ${r.kind}.metadata`, 'v1.ObjectMeta');
}

/** Conflicts an unconditional write (a patch or apply without a resourceVersion, a delete without preconditions) absorbs before it reports one: a bound against a livelock. */
export const MAX_PATCH_RETRIES = 100;

/** True when the patch body itself sets `metadata.resourceVersion` (then a conflict is the caller's to resolve). */
export function patchPinsVersion(type: PatchType, patch: unknown): boolean {
  if (type === 'json') return Array.isArray(patch) && patch.some((op) => (op as { path?: unknown } | null)?.path === '/metadata/resourceVersion');
  const meta = (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  return meta?.resourceVersion !== undefined && meta.resourceVersion !== null;
}
