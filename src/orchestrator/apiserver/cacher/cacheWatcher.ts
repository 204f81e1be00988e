import type { KubeObject, WatchEvent } from '../../api/types.js';
import type { CacheEvent } from './watchCache.js';
import { withVersion } from './frozen.js';

/** How many queued events a watcher delivers before it lets the event loop turn. */
export const EVENTS_PER_TURN = 500;

/** Which objects a watcher wants: its key prefix (namespace) and selectors. */
export type WatchFilter = (key: string, object: KubeObject) => boolean;

/**
 * One watch served from the cache. Live events are delivered at once while nothing is queued; a
 * backlog (the initial ADDED events of a big list, a replay from a revision) is delivered
 * `EVENTS_PER_TURN` at a time with a turn of the event loop between, live events queueing behind
 * it, so order is kept and no watcher holds the loop for long.
 */
export class CacheWatcher {
  private readonly queue: WatchEvent[] = [];
  private head = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly filter: WatchFilter,
    private readonly handler: (e: WatchEvent) => void,
    private readonly onClose: (w: CacheWatcher) => void,
  ) {}

  /** Translates a cache event for this watcher's selectors, as kube-apiserver's cacheWatcher does. */
  offer(ev: CacheEvent): void {
    if (this.closed) return;
    const out = this.translate(ev);
    if (out) this.push(out);
  }

  translate(ev: CacheEvent): WatchEvent | undefined {
    const now = this.filter(ev.key, ev.object);
    if (ev.type === 'DELETED') return now ? { type: 'DELETED', object: ev.object } : undefined;
    const before = ev.prev ? this.filter(ev.key, ev.prev) : false;
    if (now && before) return { type: 'MODIFIED', object: ev.object };
    if (now) return { type: 'ADDED', object: ev.object };
    // It stopped matching: the client sees it go, with its last matching content at this revision.
    if (before && ev.prev) return { type: 'DELETED', object: withVersion(ev.prev, ev.rev) };
    return undefined;
  }

  push(ev: WatchEvent): void {
    if (this.closed) return;
    if (this.head === this.queue.length && !this.scheduled) {
      this.handler(ev);
      return;
    }
    this.queue.push(ev);
    this.schedule();
  }

  /** Queues a backlog (delivered in turns, before any later live event). */
  pushAll(events: WatchEvent[]): void {
    if (this.closed || events.length === 0) return;
    for (const e of events) this.queue.push(e);
    this.schedule();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.head = 0;
    this.onClose(this);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.closed) return;
    const end = Math.min(this.queue.length, this.head + EVENTS_PER_TURN);
    while (this.head < end && !this.closed) this.handler(this.queue[this.head++] as WatchEvent);
    if (this.head >= this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else {
      this.schedule();
    }
  }
}
