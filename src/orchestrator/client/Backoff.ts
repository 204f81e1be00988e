import type { Clock } from '../util/clock.js';

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

/**
 * Per-key exponential backoff (client-go `flowcontrol.Backoff`), the one back-off of the code base:
 * work queues (controllers, scheduler, kubelet, host controller) and the kubelet's crash-loop and
 * image-pull back-offs all use it. `next` arms `initialMs` on a key's first failure and doubles the
 * delay on each further one, up to `maxMs`; `current` is the delay armed; `reset` forgets the key.
 * A failure more than `2 * maxMs` after the previous one starts over (with the kubelet's defaults: a
 * container that ran 10 minutes is forgiven). For the kubelet, `remaining` counts from the failure's
 * own time (a container's `finishedAt`), not from when the agent noticed it, and a key's first
 * failure is retried at once.
 */
export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
  ) {}

  /** Milliseconds left before `key` may be retried after a failure at `eventTime` (0: go now). */
  remaining(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) return 0;
    return Math.max(0, e.backoffMs - (this.clock.now() - eventTime));
  }

  /** Milliseconds left counted from the last `next` (for retries whose failure time is the attempt itself). */
  remainingSinceUpdate(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.backoffMs - (this.clock.now() - e.lastUpdate));
  }

  /** The delay currently armed for `key` (0 when none). */
  current(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records a retry of `key` for a failure at `eventTime`, growing its delay. */
  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: this.clock.now() });
      return;
    }
    e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
    e.lastUpdate = this.clock.now();
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every key starting with `prefix` (a pod that is gone). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Forgets keys idle longer than `2 * maxMs`, so memory stays bounded. */
  gc(): void {
    const now = this.clock.now();
    for (const [k, e] of this.entries) if (now - e.lastUpdate > 2 * this.maxMs) this.entries.delete(k);
  }

  private expired(e: Entry, eventTime: number): boolean {
    return eventTime - e.lastUpdate > 2 * this.maxMs;
  }
}
