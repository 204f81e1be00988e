import type { ApiKind } from '../../api/discovery.js';
import type { Selection } from '../../store/slices.js';
import type { ObjectRef } from '../../store/resourcesSlice.js';

/** A ref to an object of `kind`. */
export function refOf(kind: Pick<ApiKind, 'group' | 'version' | 'resource' | 'kind' | 'namespaced'>, namespace: string | undefined, name: string): ObjectRef {
  return { group: kind.group, version: kind.version, resource: kind.resource, kind: kind.kind, namespaced: kind.namespaced, ...(kind.namespaced && namespace ? { namespace } : {}), name };
}

/**
 * What selecting an object opens: the canvas's own panels for pods, nodes, services and hosts
 * (with logs, capacity, endpoints, steps), the generic details for everything else.
 */
export function selectionFor(ref: ObjectRef): Selection {
  const key = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  if (ref.group === '' && ref.resource === 'pods') return { type: 'pod', key };
  if (ref.group === '' && ref.resource === 'nodes') return { type: 'node', name: ref.name };
  if (ref.group === '' && ref.resource === 'services') return { type: 'service', key };
  if (ref.group === 'skiff.dev' && ref.resource === 'hosts') return { type: 'host', name: ref.name };
  return { type: 'object', ref };
}

/** The ref of what a selection shows (the inverse of selectionFor). */
export function refOfSelection(s: Selection | null): ObjectRef | undefined {
  if (!s) return undefined;
  const split = (key: string) => {
    const i = key.indexOf('/');
    return { namespace: key.slice(0, i), name: key.slice(i + 1) };
  };
  switch (s.type) {
    case 'pod':
      return { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, ...split(s.key) };
    case 'service':
      return { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, ...split(s.key) };
    case 'node':
      return { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, name: s.name };
    case 'host':
      return { group: 'skiff.dev', version: 'v1alpha1', resource: 'hosts', kind: 'Host', namespaced: false, name: s.name };
    case 'object':
      return s.ref;
  }
}

export function refLabel(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

export function sameRef(a: ObjectRef | undefined, b: ObjectRef | undefined): boolean {
  return !!a && !!b && a.group === b.group && a.resource === b.resource && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}
