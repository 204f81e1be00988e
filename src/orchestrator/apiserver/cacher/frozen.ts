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

/**
 * Freezes `value` as `deepFreeze` does, and tells whether `JSON.parse(JSON.stringify(value))` would
 * rebuild it exactly: plain objects and arrays of strings, finite numbers, booleans and null, with
 * no `undefined` property or array hole. One walk for both. A part already frozen is taken as it
 * is: frozen objects come from the watch cache, which holds only parsed objects and objects that
 * passed this check. Stops at the first value JSON would change (the rest stays unfrozen).
 */
export function freezeJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null || Object.isFrozen(value)) return true;
      if (Array.isArray(value)) {
        Object.freeze(value);
        for (let i = 0; i < value.length; i++) if (!freezeJson(value[i])) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      Object.freeze(value);
      for (const k in value) if (!freezeJson((value as Record<string, unknown>)[k])) return false;
      return true;
    }
    default:
      return false;
  }
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

/** Sets the JSON `jsonOf` answers for a frozen object: a writer that serialized it already (registry.ts `encodeObject`). It must be `JSON.stringify(obj)`. */
export function rememberJson(obj: object, json: string): void {
  if (Object.isFrozen(obj)) serialized.set(obj, json);
}

/** A copy of a frozen object stamped with another resourceVersion (a watch's synthetic DELETED). */
export function withVersion(obj: KubeObject, rv: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}
