import { useMemo } from 'react';
import type { KubeObject } from '../../orchestrator/api/types.js';
import { useApp } from './context.js';
import type { ClusterObjects, ObjectMap } from './kinds.js';

/**
 * The objects of one namespace (keys are `namespace/name`, so a prefix test), or the map itself
 * when every namespace is shown: the same identity keeps memoised consumers quiet.
 */
export function filterByNamespace<T extends KubeObject>(objects: ObjectMap<T>, namespace: string | null): ObjectMap<T> {
  if (namespace === null) return objects;
  const prefix = `${namespace}/`;
  const out: Record<string, T> = {};
  for (const k in objects) if (k.startsWith(prefix)) out[k] = objects[k] as T;
  return out;
}

/** A namespaced watched kind, filtered by the namespace picker. */
export function useInNamespace<K extends 'pods' | 'services' | 'endpoints' | 'deployments' | 'replicasets' | 'ingresses' | 'events'>(kind: K): ClusterObjects[K] {
  const all = useApp((s) => s.cluster[kind]);
  const ns = useApp((s) => s.namespace);
  return useMemo(() => filterByNamespace(all as ObjectMap<KubeObject>, ns), [all, ns]) as ClusterObjects[K];
}
