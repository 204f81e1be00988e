import { resourceType, type ResourceType } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { Store, StoreEntry } from '../store/types.js';
import type { Disposable } from '../util/disposable.js';
import type { WatchCaches } from './cacher/index.js';

/**
 * How the API server's own readers of objects (the authorizers' indexes, admission lookups) read and
 * follow them, as kube-apiserver's admission plugins and authorizers read shared informers: from the
 * watch cache, decoded once for every reader (frozen: read them, never change them), or, for a kind
 * it does not cache, from the store. Keys are store keys (`/registry/<resource>/...`).
 */
export interface ObjectReader {
  /** The object at `key`, reflecting every acknowledged write. */
  get(key: string): Promise<KubeObject | undefined>;
  /** Every object under `prefix`, reflecting every acknowledged write. */
  list(prefix: string): Promise<readonly KubeObject[]>;
  /**
   * `put` for every object under `prefix`, then for every change, `remove` for each deletion, called
   * synchronously with the write's fan-out: a reader fed here is current before the writer's answer
   * leaves. Resolves once every current object was put.
   */
  follow(prefix: string, put: (key: string, obj: KubeObject) => void, remove: (key: string) => void): Promise<Disposable>;
}

/** Objects decoded from the store for each read (values that do not parse are skipped). */
export function storeObjects(store: Store): ObjectReader {
  const decode = (e: StoreEntry): KubeObject | undefined => {
    try {
      const o = JSON.parse(e.value) as KubeObject;
      if (o?.metadata) o.metadata.resourceVersion = String(e.modRevision);
      return o;
    } catch {
      return undefined;
    }
  };
  return {
    async get(key) {
      const e = await store.get(key);
      return e && decode(e);
    },
    async list(prefix) {
      const { items } = await store.list(prefix);
      return items.map(decode).filter((o): o is KubeObject => o !== undefined);
    },
    async follow(prefix, put, remove) {
      // Watch first, from the current revision, then list: nothing between the two is missed.
      const rev = store.currentRevision();
      const seen = new Set<string>();
      const sub = store.watch(prefix, rev, (ev) => {
        seen.add(ev.entry.key);
        if (ev.type === 'delete') remove(ev.entry.key);
        else {
          const o = decode(ev.entry);
          if (o) put(ev.entry.key, o);
        }
      });
      const { items } = await store.list(prefix);
      for (const e of items) {
        if (seen.has(e.key)) continue;
        const o = decode(e);
        if (o) put(e.key, o);
      }
      return sub;
    },
  };
}

/** The watch cache's objects for the kinds it serves, the store's for the rest. */
export function cachedObjects(caches: WatchCaches, store: Store): ObjectReader {
  const fromStore = storeObjects(store);
  const cachedKind = (key: string): ResourceType | undefined => {
    const m = /^\/registry\/([^/]+)\//.exec(key);
    let r: ResourceType;
    try {
      r = resourceType(m?.[1] ?? '');
    } catch {
      return undefined;
    }
    return caches.serves(r) ? r : undefined;
  };
  return {
    get(key) {
      const r = cachedKind(key);
      return r ? caches.get(r, key) : fromStore.get(key);
    },
    async list(prefix) {
      const r = cachedKind(prefix);
      return r ? (await caches.list(r, prefix, {})).items : fromStore.list(prefix);
    },
    follow(prefix, put, remove) {
      const r = cachedKind(prefix);
      return r ? caches.follow(r, prefix, put, remove) : fromStore.follow(prefix, put, remove);
    },
  };
}
