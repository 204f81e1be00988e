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

/**
 * Puts `prev`'s parts in place of the parts of `next` that are exactly equal to them (the same JSON,
 * key order included), at every depth, so that the versions of an object share what a write did not
 * change: a pod's status write keeps its spec, metadata and unchanged conditions in one copy for
 * the cache, its history and every informer. A part of `next` that is frozen already (taken from
 * the cache by its writer) is compared but not changed. Tells whether the two are equal.
 */
export function shareUnchanged(next: unknown, prev: unknown): boolean {
  if (next === prev) return true;
  if (next === null || prev === null || typeof next !== 'object' || typeof prev !== 'object') return false;
  if (Array.isArray(next) !== Array.isArray(prev)) return false;
  const mutable = !Object.isFrozen(next);
  const a = next as Record<string, unknown>;
  const b = prev as Record<string, unknown>;
  if (Array.isArray(a)) {
    const bl = (b as unknown as unknown[]).length;
    let equal = a.length === bl;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = i < bl ? b[i] : undefined;
      if (x === y) continue;
      if (x !== null && typeof x === 'object' && shareUnchanged(x, y)) {
        if (mutable) a[i] = y;
      } else equal = false;
    }
    return equal;
  }
  let equal = true;
  let count = 0;
  const order = Object.keys(b);
  for (const k in a) {
    if (!Object.hasOwn(a, k)) continue;
    if (order[count++] !== k) equal = false;
    const x = a[k];
    const y = Object.hasOwn(b, k) ? b[k] : undefined;
    if (x === y) continue;
    if (x !== null && typeof x === 'object' && shareUnchanged(x, y)) {
      if (mutable) a[k] = y;
    } else equal = false;
  }
  return equal && count === order.length;
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

/**
 * Drops the JSON remembered for `obj`: a version another replaced is kept in the history (about 75 s)
 * for watches that resume from an older revision, and its JSON (the largest part of it) is then
 * written again only if one does.
 */
export function forgetJson(obj: object): void {
  serialized.delete(obj);
}

/** Sets the JSON `jsonOf` answers for a frozen object: a writer that serialized it already (writeHandoff.ts `encodeObject`). It must be `JSON.stringify(obj)`. */
export function rememberJson(obj: object, json: string): void {
  if (Object.isFrozen(obj)) serialized.set(obj, json);
}

/** A copy of a frozen object stamped with another resourceVersion (a watch's synthetic DELETED). */
export function withVersion(obj: KubeObject, rv: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}
