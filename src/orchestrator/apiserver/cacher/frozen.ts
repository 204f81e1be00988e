import type { KubeObject } from '../../api/types.js';

/**
 * Objects the watch cache hands out are shared by every list, watch and in-process informer, so
 * they are frozen: a reader that tries to change one fails loudly instead of corrupting what
 * everyone else sees (client-go's rule "never mutate an informer's objects", enforced).
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (Array.isArray(value)) {
      for (const v of value) deepFreeze(v);
    } else {
      for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
    }
  }
  return value;
}

const serialized = new WeakMap<object, string>();

/**
 * `JSON.stringify(obj)`, remembered for frozen objects: an object in the watch cache is serialized
 * once however many lists and watches send it (kube-apiserver's cachingObject).
 */
export function jsonOf(obj: KubeObject | object): string {
  if (!Object.isFrozen(obj)) return JSON.stringify(obj);
  let s = serialized.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    serialized.set(obj, s);
  }
  return s;
}

/** A copy of a frozen object stamped with another resourceVersion (a watch's synthetic DELETED). */
export function withVersion(obj: KubeObject, rv: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}
