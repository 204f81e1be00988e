import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../api/types.js';
import type { StoreEntry } from '../store/types.js';
import { freezeJson, rememberJson, shareUnchanged } from './cacher/frozen.js';

/** An object's stored text (without `resourceVersion`), and its JSON at a version, from one serialization. */
export interface Encoded {
  text: string;
  /** `JSON.stringify` of the object with `metadata.resourceVersion` = `rv` as its last metadata field. */
  jsonAt(rv: string): string;
}

/** Stands for the version in the one serialization `encodeObject` makes: a value no object holds (random, with a NUL). */
const RV_MARK = `\u0000${randomUUID()}`;
const RV_SLOT = `"resourceVersion":${JSON.stringify(RV_MARK)}`;

/**
 * The stored text of `obj` and, from the same JSON.stringify, its JSON at any version: the object is
 * serialized once with a placeholder version last in its metadata, which is then cut out (the
 * stored text) or replaced (`jsonAt`). A write's answer and watch events use the latter: no second
 * serialization of the object.
 */
export function encodeObject(obj: KubeObject): Encoded {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  const marked = JSON.stringify({ ...obj, metadata: { ...meta, resourceVersion: RV_MARK } });
  const at = marked.indexOf(RV_SLOT);
  const comma = marked[at - 1] === ',';
  const head = marked.slice(0, comma ? at - 1 : at);
  const tail = marked.slice(at + RV_SLOT.length);
  return { text: head + tail, jsonAt: (rv) => `${head}${comma ? ',' : ''}"resourceVersion":${JSON.stringify(rv)}${tail}` };
}

/**
 * Written objects on their way to the watch cache. The cache hears of a write before its writer
 * does (the store fans out, then acknowledges) and takes the written object itself instead of
 * parsing its stored text back: one JSON.parse less per write, and the object the writer answers
 * with is the cache's (frozen), with the JSON made by the serialization that made the stored text
 * (`encodeObject`), so a write is serialized once for the store, its answer and every watcher
 * (cacher/frozen.ts `jsonOf`). Only objects held by nobody else may be handed over (a request's own
 * body, or one the registry built), and the cache takes one only when JSON would rebuild it exactly.
 */
export class WriteHandoff {
  private readonly writing = new Map<string, { obj: KubeObject; encoded: Encoded }>();

  /** Runs the store write of `obj` (stored as `encoded.text` under `key`), during which the cache may take `obj`. */
  async around(key: string, encoded: Encoded, obj: KubeObject, write: () => Promise<StoreEntry>): Promise<StoreEntry> {
    const mine = { obj, encoded };
    this.writing.set(key, mine);
    try {
      return await write();
    } finally {
      if (this.writing.get(key) === mine) this.writing.delete(key);
    }
  }

  /**
   * The written object, when `entry` is exactly what is being written under its key: stamped with
   * the entry's version (last in its metadata, as in a parsed object and in `jsonAt`) and frozen.
   * Undefined otherwise, or when a value in it is one JSON would change (then the caller parses).
   */
  take(entry: StoreEntry, prev?: KubeObject): KubeObject | undefined {
    const w = this.writing.get(entry.key);
    if (!w || w.encoded.text !== entry.value) return undefined;
    this.writing.delete(entry.key);
    const rv = String(entry.modRevision);
    const { resourceVersion: _old, ...meta } = w.obj.metadata;
    w.obj.metadata = { ...meta, resourceVersion: rv };
    shareUnchanged(w.obj, prev);
    if (!freezeJson(w.obj)) return undefined;
    rememberJson(w.obj, w.encoded.jsonAt(rv));
    return w.obj;
  }
}
