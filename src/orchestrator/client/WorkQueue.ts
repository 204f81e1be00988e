import type { Clock } from '../util/clock.js';
import { Backoff } from './Backoff.js';
import type { Logger } from '../util/logger.js';

export type Reconcile = (key: string) => Promise<void>;

/** Returned (or thrown as `RequeueAfter`) by a reconcile that wants to look again later. */
export class RequeueAfter extends Error {
  constructor(readonly ms: number) {
    super(`requeue after ${ms}ms`);
  }
}

/**
 * A deduplicating work queue with per-key exponential backoff, as client-go's rate-limited queue:
 * a key is never processed by two workers at once; adding a key that is queued is a no-op; adding
 * one that is being processed marks it dirty, and it runs again once the current run ends.
 * A reconcile that throws is retried after the key's `Backoff` delay (by default 10 ms, doubling up
 * to `maxBackoffMs`); success resets the key's backoff.
 *
 * The queue yields: reconciles start from a turn of the event loop of their own (`setImmediate`),
 * at most `workers` per turn, never inside the `add` call or the previous reconcile's completion, so
 * a queue of 20,000 keys whose reconciles never truly wait cannot hold the event loop.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly backoff: Backoff;
  private readonly timers = new Map<string, () => void>();
  /** When each key that failed is due to be retried (clock ms). */
  private readonly retryDue = new Map<string, number>();
  private active = 0;
  private stopped = false;
  private pumpScheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly name: string,
    private readonly reconcile: Reconcile,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly workers = 2,
    maxBackoffMs = 60_000,
    initialBackoffMs = 10,
  ) {
    this.backoff = new Backoff(clock, initialBackoffMs, maxBackoffMs);
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.schedulePump();
  }

  /** Adds `key` after `ms` (a later `add` still runs it sooner). */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    this.timers.get(key)?.();
    this.retryDue.delete(key);
    const cancel = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.retryDue.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, cancel);
  }

  /** Earliest time (clock ms) a failed key is due to be retried, if any (tests fast-forward to it). */
  nextRetryAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.retryDue.values()) if (min === undefined || t < min) min = t;
    return min;
  }

  len(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or running (timers may still be pending). For tests. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.retryDue.clear();
    this.queue.length = 0;
    this.queued.clear();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    let started = 0;
    while (!this.stopped && this.active < this.workers && this.queue.length > 0 && started++ < this.workers) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      void this.run(key);
    }
    if (this.queue.length === 0 && this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(key: string): Promise<void> {
    try {
      await this.reconcile(key);
      this.backoff.reset(key);
    } catch (e) {
      if (e instanceof RequeueAfter) {
        this.backoff.reset(key);
        this.addAfter(key, e.ms);
      } else {
        this.backoff.next(key, this.clock.now());
        const delay = this.backoff.current(key);
        this.log.debug('reconcile failed; requeue', { queue: this.name, key, delay, error: e instanceof Error ? e.message : String(e) });
        this.addAfter(key, delay);
        this.retryDue.set(key, this.clock.now() + delay);
      }
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      if (this.queue.length > 0) this.schedulePump();
      else if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
