import type { Condition, Container, ContainerStatus, KubeObject, OwnerReference, Pod } from './types.js';

/** Succeeded or Failed: the pod will never run again. */
/** The pod's priority (`spec.priority`, set from its PriorityClass at admission); 0 when unset. */
/** Every container a pod declares, app, init and ephemeral, in that order: what may be logged, exec'd into or attached to. */
export function podContainers(pod: Pod): Container[] {
  return [...pod.spec.containers, ...(pod.spec.initContainers ?? []), ...(pod.spec.ephemeralContainers ?? [])];
}

/** The status of the named container, app, init or ephemeral. */
export function podContainerStatus(pod: Pod, name: string): ContainerStatus | undefined {
  const s = pod.status;
  return [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? []), ...(s?.ephemeralContainerStatuses ?? [])].find((c) => c.name === name);
}

export function podPriority(pod: Pod): number {
  const p = (pod.spec as { priority?: unknown }).priority;
  return typeof p === 'number' ? p : 0;
}

export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Counts toward a controller's replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;
}

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: Pod): boolean {
  return getCondition(pod.status?.conditions, 'Ready')?.status === 'True';
}

/** Ready for at least `minReadySeconds` (Kubernetes' "available"). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = getCondition(pod.status?.conditions, 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/** Milliseconds until a ready pod becomes available, or undefined if it is not ready / already available. */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  const ready = getCondition(pod.status?.conditions, 'Ready');
  if (ready?.status !== 'True' || !minReadySeconds || !ready.lastTransitionTime) return undefined;
  const left = Date.parse(ready.lastTransitionTime) + minReadySeconds * 1000 - now;
  return left > 0 ? left : undefined;
}

/**
 * Returns `conditions` with `next` set: `lastTransitionTime` moves only when the status changes,
 * as the Kubernetes condition helpers do. Returns the same array when nothing changed.
 */
export function setCondition(conditions: Condition[] | undefined, next: Condition, nowIso: string): Condition[] {
  const list = conditions ?? [];
  const i = list.findIndex((c) => c.type === next.type);
  const old = i >= 0 ? list[i] : undefined;
  const merged: Condition = { ...old, ...next };
  merged.lastTransitionTime = old && old.status === next.status ? (old.lastTransitionTime ?? nowIso) : (next.lastTransitionTime ?? nowIso);
  if (old && JSON.stringify(old) === JSON.stringify(merged)) return list;
  const out = [...list];
  if (i >= 0) out[i] = merged;
  else out.push(merged);
  return out;
}

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The controller ownerReference a controller puts on what it creates or adopts. */
export function newControllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** JSON with object keys sorted, so equal values give equal strings (hashing, comparison). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + canonicalJson(v[i]);
    return out + ']';
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    let out = '{';
    let first = true;
    for (const k of Object.keys(o).sort()) {
      if (o[k] === undefined) continue;
      out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(o[k]);
      first = false;
    }
    return out + '}';
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Whether `a` and `b` have the same {@link canonicalJson}, compared in place with no string built:
 * key order does not matter, a key whose value is undefined is no key, and a value JSON cannot
 * hold (undefined in a list, a function, NaN) reads as null. Informer handlers run it on every update.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ao = a !== null && typeof a === 'object';
  const bo = b !== null && typeof b === 'object';
  if (!ao || !bo) return !ao && !bo && (JSON.stringify(a) ?? 'null') === (JSON.stringify(b) ?? 'null');
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined) continue;
    n++;
    const w = Object.hasOwn(y, k) ? y[k] : undefined;
    if (w === undefined || !deepEqual(x[k], w)) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) n--;
  return n === 0;
}

/**
 * True when anything but `.status` (and the resourceVersion) differs: a controller ignores updates
 * that are only its own status writes, so a reconcile that fails after writing status backs off
 * instead of being re-triggered by its own write (controller-runtime's GenerationChanged idea).
 */
export function changedBeyondStatus(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { status: _s, metadata, ...rest } = o;
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata;
    return canonicalJson({ ...rest, metadata: meta });
  };
  return strip(a) !== strip(b);
}
