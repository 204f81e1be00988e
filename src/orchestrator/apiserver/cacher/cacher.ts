import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject, Status, WatchEvent } from '../../api/types.js';
import { StoreCompacted, type Store, type StoreEntry, type StoreEvent } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Disposable } from '../../util/disposable.js';
import { memoryReleased } from '../../util/memoryReducer.js';
import { CacheWatcher, type WatchFilter } from './cacheWatcher.js';
import { encodeContinue } from './continueToken.js';
import { deepFreeze, forgetJson } from './frozen.js';
import { tooLarge, tooOld, type ReadPlan } from './readPlan.js';
import { WatchCache } from './watchCache.js';

interface Follower {
  prefix: string;
  put(key: string, obj: KubeObject): void;
  remove(key: string): void;
}

export interface CacherOptions {
  /** History kept for resuming watches and paging (kube-apiserver: 75 s). */
  freshMs?: number;
  /**
   * Fewest events kept whatever their age (100), and most kept whatever their age (10,000: about a
   * minute of a 20,000-pod scale-up; a watch further behind is served from the store's log).
   */
  minEvents?: number;
  maxEvents?: number;
  /** How long a read asking for a future revision waits for it (kube-apiserver: 3 s). */
  tooLargeWaitMs?: number;
}

export interface CacheListResult {
  items: KubeObject[];
  /** The revision the list was read at (its `resourceVersion`). */
  rev: number;
  continue?: string;
  remainingItemCount?: number;
}

/** A watch served from the cache; `bookmark` queues a BOOKMARK behind every event sent so far. */
export interface CacheSubscription extends Disposable {
  error?: Status;
  bookmark(annotations?: Record<string, string>): void;
}

/** Objects decoded per turn while the cache fills (a restart with 20,000 pods must not stall the API). */
const DECODE_PER_TURN = 500;

/**
 * One resource's watch cache, kept current from a single store watch (kube-apiserver's Cacher):
 * LISTs and WATCHes of that resource are served from memory. Consistency: the store calls watch
 * handlers synchronously with each write (the Store contract), so once `ready`, every write the
 * store has acknowledged is already in the cache; a read that must see every acknowledged write
 * still waits until the cache has reached the store's current revision, as kube-apiserver's
 * consistent reads from cache do, which also covers a store that delivers later.
 */
export class Cacher implements Disposable {
  readonly cache = new WatchCache();
  readonly ready: Promise<void>;
  /** True once `ready` resolved: the cache holds the store's state and follows it. */
  synced = false;
  private readonly watchers = new Set<CacheWatcher>();
  /** In-process followers (follow): told of every change synchronously, before its writer hears back. */
  private readonly followers = new Set<Follower>();
  private waiters: { rev: number; resolve: () => void }[] = [];
  private sub?: Disposable;
  private stopTrim?: () => void;
  private disposed = false;
  private readonly freshMs: number;
  private readonly minEvents: number;
  private readonly maxEvents: number;

  constructor(
    readonly prefix: string,
    /** `apiVersion` and `kind` of the resource, for BOOKMARK objects. */
    private readonly shape: { apiVersion: string; kind: string },
    private readonly store: Store,
    /** The object of an entry, not frozen yet; `prev`: the version it replaces, whose unchanged parts it may share (frozen.ts shareUnchanged). */
    private readonly decode: (e: StoreEntry, prev?: KubeObject) => KubeObject,
    private readonly clock: Clock,
    private readonly opts: CacherOptions = {},
  ) {
    this.freshMs = opts.freshMs ?? 75_000;
    this.minEvents = opts.minEvents ?? 100;
    this.maxEvents = opts.maxEvents ?? 10_000;
    this.ready = this.fill().then(() => {
      this.synced = !this.disposed;
    });
    // Readers await `ready` and see a failure; nobody else must be told (a store closed while filling).
    this.ready.catch(() => {});
  }

  private async fill(): Promise<void> {
    for (;;) {
      const { items, revision } = await this.store.list(this.prefix);
      const decoded: [string, KubeObject][] = [];
      for (let i = 0; i < items.length; i++) {
        const e = items[i] as StoreEntry;
        decoded.push([e.key, deepFreeze(this.decode(e))]);
        if (i % DECODE_PER_TURN === DECODE_PER_TURN - 1) await new Promise((r) => setImmediate(r));
      }
      if (this.disposed) return;
      this.cache.replace(decoded, revision);
      try {
        // Replays what was written while decoding, then follows live writes.
        this.sub = this.store.watch(this.prefix, revision, (ev) => this.onEvent(ev));
      } catch (e) {
        if (e instanceof StoreCompacted) continue;
        throw e;
      }
      this.stopTrim = this.clock.setInterval(() => this.trim(), 5_000);
      return;
    }
  }

  /**
   * The oldest revision still readable here (exclusive): the cache's history window, and never
   * further back than the store keeps history (a compacted revision is gone for every reader).
   */
  floor(): number {
    return Math.max(this.cache.floor, this.store.compactedRevision());
  }

  /** The newest revision this cache is known to reflect (see the class comment). */
  revision(): number {
    return Math.max(this.cache.rev, this.store.currentRevision());
  }

  private onEvent(ev: StoreEvent): void {
    const obj = deepFreeze(this.decode(ev.entry, ev.type === 'put' ? this.cache.get(ev.entry.key) : undefined));
    const out = this.cache.apply(ev.type, ev.entry.key, obj, ev.entry.modRevision, this.clock.now());
    if (out) for (const w of this.watchers) w.offer(out);
    for (const f of this.followers) {
      if (!ev.entry.key.startsWith(f.prefix)) continue;
      if (ev.type === 'delete') f.remove(ev.entry.key);
      else f.put(ev.entry.key, obj);
    }
    // The version replaced is history now: its JSON is written again only for a watch that sends it later.
    if (out?.prev) forgetJson(out.prev);
    if (this.waiters.length) {
      const rev = this.cache.rev;
      const due = this.waiters.filter((w) => w.rev <= rev);
      if (due.length) {
        this.waiters = this.waiters.filter((w) => w.rev > rev);
        for (const w of due) w.resolve();
      }
    }
  }

  private trim(): void {
    // A load's history aged out (thousands of events let go, none but the last few left): ask for
    // the garbage to be collected. Trims under the cap during a load do not count: most of what
    // they drop is still referenced then, and collecting would pause for a heap that is mostly live.
    const dropped = this.cache.trim(this.clock.now(), this.freshMs, this.minEvents, this.maxEvents);
    if (dropped >= 1_000 && this.cache.historyLength() <= this.minEvents) memoryReleased();
  }

  /** Resolves once the cache reflects revision `rev`; 504 "Too large resource version" after the wait. */
  private async waitFresh(rev: number): Promise<void> {
    await this.ready;
    if (this.revision() >= rev) return;
    const ms = this.opts.tooLargeWaitMs ?? 3_000;
    const reached = await new Promise<boolean>((resolve) => {
      const waiter = { rev, resolve: () => { cancel(); resolve(true); } };
      const cancel = this.clock.setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, ms);
      this.waiters.push(waiter);
    });
    if (!reached && this.revision() < rev) throw tooLarge(rev, this.revision());
  }

  /**
   * A LIST under `prefix` (the resource's, or a namespace's) as `plan` says: at the store's current
   * revision, at any, at least or exactly at a revision; `limit` items from `plan.startKey` in key
   * order with a continue token while more match. A revision the history no longer covers is 410.
   */
  async list(prefix: string, filter: WatchFilter, plan: ReadPlan, selective: boolean): Promise<CacheListResult> {
    const c = plan.consistency;
    let rev: number;
    if (c.kind === 'consistent') {
      rev = this.store.currentRevision();
      await this.waitFresh(rev);
      rev = Math.max(rev, this.cache.rev);
    } else if (c.kind === 'any') {
      await this.ready;
      rev = this.revision();
    } else {
      await this.waitFresh(c.rv);
      rev = c.kind === 'exact' ? c.rv : this.revision();
    }
    if (rev < this.floor()) throw tooOld(plan, prefix, rev, this.floor());
    const items: KubeObject[] = [];
    const limit = plan.limit ?? Infinity;
    let lastKey = '';
    let more = false;
    let remaining = 0;
    this.cache.scan(prefix, plan.startKey, rev, (key, obj) => {
      if (!filter(key, obj)) return true;
      if (items.length < limit) {
        items.push(obj);
        lastKey = key;
        return true;
      }
      more = true;
      remaining++;
      // Without selectors every remaining item counts (remainingItemCount); with them, one is enough.
      return !selective;
    });
    const out: CacheListResult = { items, rev };
    if (more) {
      out.continue = encodeContinue(lastKey, prefix, rev);
      if (!selective) out.remainingItemCount = remaining;
    }
    return out;
  }

  /**
   * A WATCH under `prefix` from `resourceVersion`: undefined starts with every matching object as
   * ADDED (at the store's current revision); N replays the history after N, and a future N waits
   * for it, then fails with a 504 ERROR event. Returns undefined when N is older than the history
   * (the caller serves it from the store's log, which reaches further back).
   */
  async watch(prefix: string, filter: WatchFilter, resourceVersion: number | undefined, handler: (e: WatchEvent) => void): Promise<CacheSubscription | undefined> {
    try {
      await this.waitFresh(resourceVersion ?? this.store.currentRevision());
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const status = e.toStatus();
      handler({ type: 'ERROR', object: status as unknown as KubeObject });
      return { dispose() {}, error: status, bookmark() {} };
    }
    if (resourceVersion !== undefined && resourceVersion < this.floor()) return undefined;
    if (this.disposed) throw errors.unavailable('the watch cache is stopping');
    // From here to registering the watcher nothing awaits: no event can fall between backlog and live.
    const w = new CacheWatcher(filter, handler, (x) => this.watchers.delete(x));
    const backlog: WatchEvent[] = [];
    if (resourceVersion === undefined) {
      this.cache.scan(prefix, prefix, this.cache.rev, (key, obj) => {
        if (filter(key, obj)) backlog.push({ type: 'ADDED', object: obj });
        return true;
      });
    } else {
      for (const ev of this.cache.eventsAfter(resourceVersion)) {
        const out = w.translate(ev);
        if (out) backlog.push(out);
      }
    }
    w.pushAll(backlog);
    this.watchers.add(w);
    return {
      dispose: () => w.close(),
      bookmark: (annotations) => {
        const metadata = { resourceVersion: String(this.revision()), ...(annotations ? { annotations } : {}) };
        w.push({ type: 'BOOKMARK', object: { ...this.shape, metadata } });
      },
    };
  }

  /**
   * Follows every object under `prefix` as an in-process informer would, without decoding anything
   * again: `put` with each current object (frozen, shared), then with every change, and `remove` on
   * each deletion, called synchronously with the store's fan-out of the write, so the follower is
   * current before the writer's answer leaves.
   */
  async follow(prefix: string, put: (key: string, obj: KubeObject) => void, remove: (key: string) => void): Promise<Disposable> {
    await this.ready;
    const f: Follower = { prefix, put, remove };
    // No turn of the event loop between the scan and joining: no change falls in between.
    this.cache.scan(prefix, prefix, this.cache.rev, (key, obj) => {
      put(key, obj);
      return true;
    });
    this.followers.add(f);
    return { dispose: () => this.followers.delete(f) };
  }

  /** Watchers currently served (tests, metrics). */
  watcherCount(): number {
    return this.watchers.size;
  }

  dispose(): void {
    this.disposed = true;
    this.sub?.dispose();
    this.stopTrim?.();
    this.followers.clear();
    for (const w of [...this.watchers]) w.close();
  }
}
