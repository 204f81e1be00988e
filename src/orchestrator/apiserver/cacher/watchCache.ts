import type { KubeObject } from '../../api/types.js';
import { lowerBound } from '../../util/sorted.js';

/** One change as the cache applied it. */
export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The store key (`/registry/pods/ns/name`). */
  key: string;
  /** The object after the change; for DELETED, its last state stamped with the deletion's revision. */
  object: KubeObject;
  /** The object before the change; absent for ADDED. */
  prev?: KubeObject;
  rev: number;
  /** When the cache applied it (clock ms), for trimming the history. */
  at: number;
}

/** What a scan visits; return false to stop. */
export type Visit = (key: string, object: KubeObject) => boolean;

/**
 * The in-memory state of one resource, as kube-apiserver's watchCache: every current object by key
 * (decoded once, frozen, shared by every reader), the keys in sorted order (paging walks key
 * order, as etcd does), and a window of recent events. The window serves watches that resume from
 * a recent revision and reads at a past revision (continue tokens, `resourceVersionMatch=Exact`):
 * the state at revision R is the current state with every event after R undone.
 *
 * Contract: `apply` is called in revision order, each revision once. `floor` is the revision after
 * which every event is still in the window; anything at or below it can no longer be replayed or
 * reconstructed here.
 */
export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly keys: string[] = [];
  private readonly history: CacheEvent[] = [];
  private head = 0;
  /** The revision the cache reflects. */
  rev = 0;
  /** Every event with a revision above this one is in the window. */
  floor = 0;

  /** Fills an empty cache from a list read at `rev` (items in key order). */
  replace(items: Iterable<[string, KubeObject]>, rev: number): void {
    this.objects.clear();
    this.keys.length = 0;
    this.history.length = 0;
    this.head = 0;
    for (const [key, obj] of items) {
      this.objects.set(key, obj);
      this.keys.push(key);
    }
    this.keys.sort(compare);
    this.rev = rev;
    this.floor = rev;
  }

  /** Applies a put or delete at `rev`; returns the event, or undefined for a delete of an unknown key. */
  apply(kind: 'put' | 'delete', key: string, object: KubeObject, rev: number, at: number): CacheEvent | undefined {
    const prev = this.objects.get(key);
    let ev: CacheEvent | undefined;
    if (kind === 'delete') {
      if (prev) {
        this.objects.delete(key);
        const i = lowerBound(this.keys, key, same);
        if (this.keys[i] === key) this.keys.splice(i, 1);
        ev = { type: 'DELETED', key, object, prev, rev, at };
      }
    } else {
      this.objects.set(key, object);
      if (!prev) {
        const i = lowerBound(this.keys, key, same);
        if (this.keys[i] !== key) this.keys.splice(i, 0, key);
      }
      ev = prev ? { type: 'MODIFIED', key, object, prev, rev, at } : { type: 'ADDED', key, object, rev, at };
    }
    this.rev = Math.max(this.rev, rev);
    if (ev) this.history.push(ev);
    return ev;
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  get size(): number {
    return this.objects.size;
  }

  /** Events in the window, oldest first. */
  historyLength(): number {
    return this.history.length - this.head;
  }

  /** Every event with a revision above `rev`, oldest first. Requires `rev >= floor`. */
  eventsAfter(rev: number): CacheEvent[] {
    let lo = this.head;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid] as CacheEvent).rev <= rev) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  /**
   * Drops events older than `freshMs` (clock ms) while more than `minEvents` remain, and the oldest
   * beyond `maxEvents`, as kube-apiserver's watch cache keeps about 75 s of history. Returns how
   * many it dropped.
   */
  trim(now: number, freshMs: number, minEvents: number, maxEvents: number): number {
    const before = this.historyLength();
    while (this.historyLength() > 0) {
      const oldest = this.history[this.head] as CacheEvent;
      const n = this.historyLength();
      if (n > maxEvents || (n > minEvents && now - oldest.at > freshMs)) {
        this.floor = oldest.rev;
        this.head++;
      } else break;
    }
    if (this.head > 1024 && this.head * 2 > this.history.length) {
      this.history.splice(0, this.head);
      this.head = 0;
    }
    return before - this.historyLength();
  }

  /**
   * Visits the objects under `prefix` whose key is at least `startKey`, in key order, as they were
   * at revision `rev` (the current state when `rev >= this.rev`). Requires `rev >= floor`.
   */
  scan(prefix: string, startKey: string, rev: number, visit: Visit): void {
    const from = lowerBound(this.keys, startKey > prefix ? startKey : prefix, same);
    if (rev >= this.rev) {
      for (let i = from; i < this.keys.length; i++) {
        const key = this.keys[i] as string;
        if (!key.startsWith(prefix)) return;
        if (!visit(key, this.objects.get(key) as KubeObject)) return;
      }
      return;
    }
    // The state at `rev`: the first event after `rev` for a key tells what the key held at `rev`.
    const then = new Map<string, KubeObject | null>();
    for (const ev of this.eventsAfter(rev)) if (!then.has(ev.key)) then.set(ev.key, ev.prev ?? null);
    const gone: string[] = [];
    for (const [key, obj] of then) if (obj && !this.objects.has(key) && key.startsWith(prefix) && key >= startKey) gone.push(key);
    gone.sort(compare);
    let i = from;
    let j = 0;
    for (;;) {
      const a = i < this.keys.length && (this.keys[i] as string).startsWith(prefix) ? (this.keys[i] as string) : undefined;
      const b = gone[j];
      if (a === undefined && b === undefined) return;
      let key: string;
      if (b === undefined || (a !== undefined && a < b)) {
        key = a as string;
        i++;
      } else {
        key = b;
        j++;
      }
      const obj = then.has(key) ? then.get(key) : this.objects.get(key);
      if (obj && !visit(key, obj)) return;
    }
  }
}

const same = (k: string): string => k;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
