import type { KubeObject } from '../../api/types.js';

/**
 * Objects the watch cache hands out are shared by every list, watch and in-process informer, so
 * they are frozen: a reader that tries to change one fails loudly instead of corrupting what
 * everyone else sees (client-go's rule "never mutate an informer's objects", enforced).
 */
export function deepFreeze<T>(value: T): T {
  freezeJson(value);
  return value;
}

/**
 * Freezes `value` and everything in it, and tells whether `JSON.parse(JSON.stringify(value))` would
 * rebuild it exactly: plain objects and arrays of strings, finite numbers, booleans and null, with
 * no `undefined` property or array hole. One walk for both. A part already frozen is taken as it
 * is: frozen objects come from the watch cache, which holds only parsed objects and objects that
 * passed this check.
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
      Object.freeze(value);
      const array = Array.isArray(value);
      let clean = array || Object.getPrototypeOf(value) === Object.prototype;
      if (array) for (let i = 0; i < value.length; i++) clean = freezeJson(value[i]) && clean;
      else for (const k in value) clean = freezeJson((value as Record<string, unknown>)[k]) && clean;
      return clean;
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

/** Sets the JSON `jsonOf` answers for a frozen object: a writer that serialized it already (writeHandoff.ts `encodeObject`). It must be `JSON.stringify(obj)`. */
export function rememberJson(obj: object, json: string): void {
  if (Object.isFrozen(obj)) serialized.set(obj, json);
}

/** A copy of a frozen object stamped with another resourceVersion (a watch's synthetic DELETED). */
export function withVersion(obj: KubeObject, rv: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}
