import { objectKey } from '../api/resources.js';
import type { KubeObject, Status, WatchEvent } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Client, ListOptions, Watch } from './types.js';

/** Objects of a relist handed to the handlers per turn of the event loop. */
const RELIST_CHUNK = 500;

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/**
 * List + watch cache of one resource, as client-go's shared informer: lists, then watches from the
 * list's resourceVersion; on a 410 or a dropped stream it relists and reconciles the cache (emitting
 * adds, updates and deletes for what changed meanwhile), so handlers never miss a final state.
 *
 * Handlers are called in event order after the cache is updated. `hasSynced` is true after the
 * first list. Keys are `namespace/name` (or `name` for cluster-scoped kinds).
 */
export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  /** Secondary indexes (client-go's Indexer): index name -> value -> keys. `namespace` is built in. */
  private readonly indexers = new Map<string, (obj: T) => string[]>([['namespace', (o) => [o.metadata.namespace ?? '']]]);
  private readonly indexes = new Map<string, Map<string, Set<string>>>([['namespace', new Map()]]);
  private readonly handlers: InformerHandlers<T>[] = [];
  private watch?: Watch;
  private stopped = false;
  private synced = false;
  private lastRv = '';
  private cancelRetry?: () => void;
  private syncWaiters: (() => void)[] = [];
  private failures = 0;

  constructor(
    private readonly client: Client,
    readonly resource: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: ListOptions = {},
  ) {}

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    // Late subscribers see the current state as adds, like client-go.
    if (this.synced) for (const o of this.cache.values()) h.onAdd?.(o);
  }

  start(): void {
    void this.relist();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list has filled the cache. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(objectKey(namespace, name));
  }

  list(filter?: (o: T) => boolean): T[] {
    const out: T[] = [];
    for (const o of this.cache.values()) if (!filter || filter(o)) out.push(o);
    return out;
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  /** Adds an index over the cache (before `start`, or it is built from what is cached now). */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indexes.set(name, idx);
    for (const [key, o] of this.cache) for (const v of fn(o)) addTo(idx, v, key);
  }

  /** The cached objects whose index `name` has `value`, e.g. `byIndex('namespace', 'default')`: O(matches), not O(cache). */
  byIndex(name: string, value: string): T[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.cache.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  private index(key: string, old: T | undefined, obj: T | undefined): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name) as Map<string, Set<string>>;
      if (old) for (const v of fn(old)) idx.get(v)?.delete(key);
      if (obj) for (const v of fn(obj)) addTo(idx, v, key);
    }
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.watch?.dispose();
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.client.list<T>(this.resource, this.opts);
      if (this.stopped) return;
      const seen = new Set<string>();
      // A big relist (20,000 pods) reaches the handlers in chunks, with a turn of the event loop between.
      for (let i = 0; i < list.items.length; i++) {
        if (i > 0 && i % RELIST_CHUNK === 0) {
          await new Promise((r) => setImmediate(r));
          if (this.stopped) return;
        }
        const o = list.items[i] as T;
        const key = keyOf(o);
        seen.add(key);
        this.apply('ADDED', o);
      }
      for (const [key, o] of [...this.cache]) {
        if (!seen.has(key)) {
          this.cache.delete(key);
          this.index(key, o, undefined);
          for (const h of this.handlers) h.onDelete?.(o);
        }
      }
      this.lastRv = list.metadata.resourceVersion;
      if (!this.synced) {
        this.synced = true;
        for (const w of this.syncWaiters.splice(0)) w();
      }
      this.failures = 0;
      this.startWatch();
    } catch (e) {
      this.retry(e);
    }
  }

  private startWatch(): void {
    if (this.stopped) return;
    let expired = false;
    const w = this.client.watch<T>(this.resource, { ...this.opts, resourceVersion: this.lastRv, allowWatchBookmarks: true }, (ev) => {
      if (ev.type === 'ERROR') {
        const status = ev.object as unknown as Status;
        expired = status.code === 410;
        this.log.debug('watch error', { resource: this.resource, message: status.message });
        return;
      }
      if (ev.type === 'BOOKMARK') {
        this.lastRv = ev.object.metadata.resourceVersion ?? this.lastRv;
        return;
      }
      this.apply(ev.type, ev.object);
      this.lastRv = ev.object.metadata.resourceVersion ?? this.lastRv;
    });
    this.watch = w;
    void w.closed.then((err) => {
      if (this.stopped || this.watch !== w) return;
      if (expired) {
        void this.relist();
      } else if (err) {
        this.retry(err);
      } else {
        // The server ended the stream (timeout): resume from the last version seen.
        this.startWatch();
      }
    });
  }

  /**
   * Relists after 400 ms, doubling up to 5 s: a failed list costs a refused connection, and an agent
   * whose control plane comes back (a restart, a laptop waking) must see current objects within
   * seconds, not after a 30 s back-off.
   */
  private retry(e: unknown): void {
    if (this.stopped) return;
    this.failures++;
    const delay = Math.min(5_000, 200 * 2 ** Math.min(this.failures, 8));
    this.log.debug('informer retry', { resource: this.resource, delay, error: e instanceof Error ? e.message : String(e) });
    this.cancelRetry = this.clock.setTimeout(() => void this.relist(), delay);
  }

  private apply(type: WatchEvent['type'], obj: T): void {
    const key = keyOf(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      if (!old) return;
      this.cache.delete(key);
      this.index(key, old, undefined);
      for (const h of this.handlers) h.onDelete?.(obj);
      return;
    }
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.cache.set(key, obj);
    this.index(key, old, obj);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }
}

function addTo(idx: Map<string, Set<string>>, value: string, key: string): void {
  let set = idx.get(value);
  if (!set) idx.set(value, (set = new Set()));
  set.add(key);
}

function keyOf(o: KubeObject): string {
  return objectKey(o.metadata.namespace, o.metadata.name ?? '');
}
