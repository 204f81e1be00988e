import { apiVersionOf, RESOURCES, type ResourceType } from '../../api/resources.js';
import { matches, matchesFields, parseFieldSelector, parseLabelSelector } from '../../api/selectors.js';
import type { KubeList, KubeObject, ListMeta, WatchEvent } from '../../api/types.js';
import type { Store, StoreEntry } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Disposable } from '../../util/disposable.js';
import { Cacher, type CacheSubscription, type CacherOptions } from './cacher.js';
import type { WatchFilter } from './cacheWatcher.js';
import { parseVersion, planRead, type ListParams } from './readPlan.js';

export { planRead, type ListParams } from './readPlan.js';
export type { CacheSubscription } from './cacher.js';

export interface WatchCacheOptions extends CacherOptions {
  /** Serve lists and watches from memory (default true); false reads the store for every request. */
  enabled?: boolean;
  /**
   * Resources read from the store, never cached. Default: `events`, as kube-apiserver's default
   * watch cache sizes leave Events out (they are many, short-lived and rarely listed whole).
   */
  uncached?: string[];
}

export interface CacheListOptions extends ListParams {
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * The watch caches of every served resource but the uncached ones, filled when the registry
 * starts. The registry asks `serves(r)` and then lists and watches here instead of the store.
 */
export class WatchCaches implements Disposable {
  private readonly cachers = new Map<string, Cacher>();
  private readonly uncached: Set<string>;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly decode: (e: StoreEntry, prev?: KubeObject) => KubeObject,
    private readonly opts: WatchCacheOptions = {},
  ) {
    this.uncached = new Set(opts.uncached ?? ['events']);
    // Every cached kind from the start, as kube-apiserver does: the history of each begins now, so
    // an exact read or a watch from any later revision can be served from memory.
    for (const r of RESOURCES) if (this.serves(r)) this.cacher(r);
  }

  /** The resources whose cache has not filled yet (the `informer-sync` readiness check). */
  unsynced(): string[] {
    return [...this.cachers.entries()].filter(([, c]) => !c.synced).map(([resource]) => resource);
  }

  serves(r: ResourceType): boolean {
    return this.opts.enabled !== false && !this.uncached.has(r.resource);
  }

  private cacher(r: ResourceType): Cacher {
    let c = this.cachers.get(r.resource);
    if (!c) {
      c = new Cacher(`/registry/${r.resource}/`, { apiVersion: apiVersionOf(r), kind: r.kind }, this.store, this.decode, this.clock, this.opts);
      this.cachers.set(r.resource, c);
    }
    return c;
  }

  /** The cacher of a resource once filled (tests, benches). */
  async ready(r: ResourceType): Promise<Cacher> {
    const c = this.cacher(r);
    await c.ready;
    return c;
  }

  /**
   * The object stored at `key` as the cache holds it (frozen: read it, never change it), once the
   * cache is filled; it reflects every write the store has acknowledged (see Cacher). Only for a
   * kind this serves.
   */
  async get(r: ResourceType, key: string): Promise<KubeObject | undefined> {
    const c = this.cacher(r);
    await c.ready;
    return c.cache.get(key);
  }

  async list<T extends KubeObject>(r: ResourceType, prefix: string, opts: CacheListOptions): Promise<KubeList<T>> {
    const plan = planRead(opts, prefix);
    const { filter, selective } = filterFor(prefix, opts);
    const c = this.cacher(r);
    await c.ready;
    const res = await c.list(prefix, filter, plan, selective);
    const metadata: ListMeta = { resourceVersion: String(res.rev) };
    if (res.continue) metadata.continue = res.continue;
    if (res.remainingItemCount !== undefined) metadata.remainingItemCount = res.remainingItemCount;
    return { apiVersion: apiVersionOf(r), kind: `${r.kind}List`, metadata, items: res.items as T[] };
  }

  /** Follows the objects under `prefix` in memory (Cacher.follow); only for a kind this serves. */
  async follow(r: ResourceType, prefix: string, put: (key: string, obj: KubeObject) => void, remove: (key: string) => void): Promise<Disposable> {
    return this.cacher(r).follow(prefix, put, remove);
  }

  /** A watch from the cache, or undefined when its version is older than the cache's history. */
  async watch(r: ResourceType, prefix: string, opts: CacheListOptions, handler: (e: WatchEvent) => void): Promise<CacheSubscription | undefined> {
    const rv = opts.resourceVersion && opts.resourceVersion !== '0' ? parseVersion(opts.resourceVersion) : undefined;
    const { filter } = filterFor(prefix, opts);
    const c = this.cacher(r);
    await c.ready;
    return c.watch(prefix, filter, rv, handler);
  }

  dispose(): void {
    for (const c of this.cachers.values()) c.dispose();
    this.cachers.clear();
  }
}

function filterFor(prefix: string, opts: CacheListOptions): { filter: WatchFilter; selective: boolean } {
  const labels = parseLabelSelector(opts.labelSelector);
  const fields = parseFieldSelector(opts.fieldSelector);
  const selective = labels.length > 0 || fields.length > 0;
  const filter: WatchFilter = selective
    ? (key, o) => key.startsWith(prefix) && matches(labels, o.metadata.labels) && matchesFields(fields, o)
    : (key) => key.startsWith(prefix);
  return { filter, selective };
}
