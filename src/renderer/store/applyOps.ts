import { objectKey } from '../../orchestrator/api/resources.js';
import type { KubeObject, WatchEvent } from '../../orchestrator/api/types.js';
import type { ClusterObjects, WatchedKind } from './kinds.js';

/** One change to apply to the cluster state: a full relist of a kind, or one watch event. */
export type WatchOp =
  | { kind: WatchedKind; type: 'reset'; items: KubeObject[] }
  | { kind: WatchedKind; type: 'event'; event: WatchEvent };

export interface Applied {
  cluster: ClusterObjects;
  /** Kinds whose map was replaced; untouched kinds keep their identity (narrow subscriptions). */
  changed: WatchedKind[];
}

/**
 * Applies a batch of ops in order. Cost is O(size of each changed kind + ops): each changed kind's
 * map is copied once per batch, then edited in place, so a frame's worth of events for 5,000 pods is
 * one copy, not one per event. `managedFields` is dropped: the UI never shows it and it is large.
 */
export function applyWatchOps(cluster: ClusterObjects, ops: readonly WatchOp[]): Applied {
  const drafts = new Map<WatchedKind, Record<string, KubeObject>>();
  const draft = (kind: WatchedKind, fresh?: Record<string, KubeObject>): Record<string, KubeObject> => {
    let d = fresh ?? drafts.get(kind);
    if (!d) d = { ...(cluster[kind] as Record<string, KubeObject>) };
    drafts.set(kind, d);
    return d;
  };
  for (const op of ops) {
    if (op.type === 'reset') {
      // A relist (or a poll) mostly repeats what is known: keep those objects, so nothing that
      // did not change re-renders, and leave the kind untouched when nothing changed at all.
      const before = drafts.get(op.kind) ?? (cluster[op.kind] as Record<string, KubeObject>);
      const d: Record<string, KubeObject> = {};
      let same = true;
      for (const item of op.items) {
        const key = keyOf(item);
        const old = before[key];
        const keep = old !== undefined && old.metadata.resourceVersion !== undefined && old.metadata.resourceVersion === item.metadata.resourceVersion;
        d[key] = keep ? old : slim(item);
        if (!keep) same = false;
      }
      if (same && Object.keys(before).length === op.items.length && !drafts.has(op.kind)) continue;
      draft(op.kind, d);
      continue;
    }
    const { type, object } = op.event;
    if (type === 'BOOKMARK' || type === 'ERROR') continue;
    const d = draft(op.kind);
    if (type === 'DELETED') delete d[keyOf(object)];
    else d[keyOf(object)] = slim(object);
  }
  if (drafts.size === 0) return { cluster, changed: [] };
  const next = { ...cluster } as Record<WatchedKind, Record<string, KubeObject>>;
  for (const [kind, d] of drafts) next[kind] = d;
  return { cluster: next as unknown as ClusterObjects, changed: [...drafts.keys()] };
}

function keyOf(o: KubeObject): string {
  return objectKey(o.metadata.namespace, o.metadata.name ?? '');
}

function slim(o: KubeObject): KubeObject {
  if (!o.metadata.managedFields) return o;
  const { managedFields: _dropped, ...metadata } = o.metadata;
  return { ...o, metadata };
}
