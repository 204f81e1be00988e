import { Backoff } from '../client/Backoff.js';
import type { Clock } from '../util/clock.js';

/** kube-scheduler's defaults (podInitialBackoffSeconds, podMaxBackoffSeconds, podMaxInUnschedulablePodsDuration). */
export const POD_INITIAL_BACKOFF_MS = 1_000;
export const POD_MAX_BACKOFF_MS = 10_000;
export const POD_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;

export interface SchedulingQueueOptions {
  clock: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A pod parked as unschedulable longer than this goes back to be tried even if no event came. */
  maxInUnschedulableMs?: number;
  /** Called whenever a pod becomes ready to pop (the loop pumps). */
  onActive: () => void;
}

interface Active {
  key: string;
  priority: number;
  /** Enqueue order among equal priorities (kube-scheduler orders by the time a pod was queued). */
  seq: number;
}

/** Why a popped pod was not bound: decides where it waits. */
export type Outcome =
  /** No node fits: parked until a cluster event (or the unschedulable timeout) moves it. */
  | 'unschedulable'
  /** An error (API write, failed binding): retried after its back-off. */
  | 'error';

/**
 * kube-scheduler's PriorityQueue: three places a pending pod can wait.
 * - **activeQ**, a heap by priority (higher first), then by the order pods were queued: what `pop` takes.
 * - **backoffQ**: pods that failed an attempt wait `initialBackoffMs` doubling per attempt up to
 *   `maxBackoffMs` (one `Backoff` per pod); then they move to activeQ.
 * - **unschedulable**: pods no node fits wait for a cluster event that may help (`moveAll`: a node
 *   added or changed, a bound pod gone, a volume changed) and go to backoffQ if still backing off,
 *   else to activeQ; a pod parked longer than `maxInUnschedulableMs` is moved anyway.
 * A pod that changes while it is being scheduled (`add` during its attempt), or a `moveAll` during
 * the attempt, sends an unschedulable outcome to backoffQ instead of parking it, so the event is not
 * lost (upstream's moveRequestCycle). Each key is in at most one place; `inFlight` holds the popped one.
 */
export class SchedulingQueue {
  private readonly heap: Active[] = [];
  private readonly inActive = new Map<string, Active>();
  /** Backing-off pods and when each may be tried (clock ms). */
  private readonly backoffQ = new Map<string, number>();
  /** Parked pods and when they were parked. */
  private readonly unschedulable = new Map<string, number>();
  private readonly inFlight = new Map<string, { priority: number; moved: boolean }>();
  /** Priorities of backing-off pods, to queue them right when their back-off ends. */
  private readonly priorities = new Map<string, number>();
  private readonly backoff: Backoff;
  private readonly maxInUnschedulableMs: number;
  private seq = 0;
  private backoffTimer: { at: number; cancel: () => void } | undefined;
  private stopped = false;

  constructor(private readonly opts: SchedulingQueueOptions) {
    this.backoff = new Backoff(opts.clock, opts.initialBackoffMs ?? POD_INITIAL_BACKOFF_MS, opts.maxBackoffMs ?? POD_MAX_BACKOFF_MS);
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? POD_MAX_IN_UNSCHEDULABLE_MS;
  }

  /**
   * A pod is new or changed. In activeQ its priority is updated; in backoffQ it keeps waiting; parked
   * as unschedulable it moves (the change may make it fit); popped, its attempt's failure will not park it.
   */
  add(key: string, priority: number): void {
    if (this.stopped) return;
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.moved = true;
      flying.priority = priority;
      return;
    }
    const a = this.inActive.get(key);
    if (a) {
      if (a.priority !== priority) {
        this.removeFromHeap(key);
        this.pushActive(key, priority);
      }
      return;
    }
    if (this.backoffQ.has(key)) return;
    if (this.unschedulable.delete(key)) {
      this.activateOrBackoff(key, priority);
      return;
    }
    this.pushActive(key, priority);
  }

  /** The highest-priority active pod, now in flight until `done`/`failed`. */
  pop(): string | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    this.removeFromHeap(top.key);
    this.inFlight.set(top.key, { priority: top.priority, moved: false });
    return top.key;
  }

  /** The attempt ended with the pod assumed (or not needing scheduling any more): forget its back-off. */
  done(key: string): void {
    this.inFlight.delete(key);
    this.backoff.reset(key);
  }

  /** The attempt failed; see `Outcome`. */
  failed(key: string, outcome: Outcome, priority?: number): void {
    const flying = this.inFlight.get(key);
    this.inFlight.delete(key);
    if (this.stopped) return;
    const p = priority ?? flying?.priority ?? 0;
    this.backoff.next(key, this.opts.clock.now());
    if (outcome === 'unschedulable' && !flying?.moved) {
      this.unschedulable.set(key, this.opts.clock.now());
      return;
    }
    this.toBackoff(key, p);
  }

  /**
   * Parks a pod that is not in flight as unschedulable without counting a failure (it waits for its
   * volumes, say): the next `moveAll` or `add` makes it active again.
   */
  park(key: string): void {
    if (this.stopped || this.has(key)) return;
    this.unschedulable.set(key, this.opts.clock.now());
  }

  /** A binding failed after the attempt ended (the pod is no longer in flight): back off, then retry. */
  retry(key: string, priority: number): void {
    if (this.stopped || this.inFlight.has(key) || this.inActive.has(key) || this.backoffQ.has(key)) return;
    this.unschedulable.delete(key);
    this.backoff.next(key, this.opts.clock.now());
    this.toBackoff(key, priority);
  }

  /** A cluster event that may make parked pods fit: move those `which` accepts (all by default). */
  moveAll(priorityOf: (key: string) => number, which?: (key: string) => boolean): void {
    for (const f of this.inFlight.values()) f.moved = true;
    for (const key of [...this.unschedulable.keys()]) {
      if (which && !which(key)) continue;
      this.unschedulable.delete(key);
      this.activateOrBackoff(key, priorityOf(key));
    }
  }

  /** Moves pods parked longer than `maxInUnschedulableMs` (kube-scheduler's flushUnschedulablePodsLeftover). */
  flushUnschedulableLeftover(priorityOf: (key: string) => number): void {
    const now = this.opts.clock.now();
    for (const [key, since] of [...this.unschedulable]) {
      if (now - since < this.maxInUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.activateOrBackoff(key, priorityOf(key));
    }
  }

  /** The pod is gone or no longer pending: out of every place. */
  delete(key: string): void {
    this.removeFromHeap(key);
    this.backoffQ.delete(key);
    this.priorities.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
    this.backoff.reset(key);
  }

  has(key: string): boolean {
    return this.inActive.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  isUnschedulable(key: string): boolean {
    return this.unschedulable.has(key);
  }

  /** Where each pod waits (for tests and the debug log). */
  sizes(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.heap.length, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** Earliest time (clock ms) a backing-off pod becomes active, if any. */
  nextBackoffAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.backoffQ.values()) if (min === undefined || t < min) min = t;
    return min;
  }

  stop(): void {
    this.stopped = true;
    this.backoffTimer?.cancel();
    this.backoffTimer = undefined;
  }

  private activateOrBackoff(key: string, priority: number): void {
    if (this.backoff.remainingSinceUpdate(key) > 0) this.toBackoff(key, priority);
    else this.pushActive(key, priority);
  }

  private toBackoff(key: string, priority: number): void {
    const at = this.opts.clock.now() + this.backoff.remainingSinceUpdate(key);
    this.backoffQ.set(key, at);
    this.priorities.set(key, priority);
    this.armBackoffTimer();
  }

  private armBackoffTimer(): void {
    const next = this.nextBackoffAt();
    if (next === undefined || this.stopped) return;
    if (this.backoffTimer && this.backoffTimer.at <= next) return;
    this.backoffTimer?.cancel();
    const cancel = this.opts.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.flushBackoffCompleted();
    }, Math.max(0, next - this.opts.clock.now()));
    this.backoffTimer = { at: next, cancel };
  }

  private flushBackoffCompleted(): void {
    const now = this.opts.clock.now();
    const due = [...this.backoffQ].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [key] of due) {
      this.backoffQ.delete(key);
      this.pushActive(key, this.priorities.get(key) ?? 0);
      this.priorities.delete(key);
    }
    this.armBackoffTimer();
  }

  private pushActive(key: string, priority: number): void {
    const a: Active = { key, priority, seq: this.seq++ };
    this.inActive.set(key, a);
    this.heap.push(a);
    this.siftUp(this.heap.length - 1);
    this.opts.onActive();
  }

  private removeFromHeap(key: string): void {
    const a = this.inActive.get(key);
    if (!a) return;
    this.inActive.delete(key);
    const i = this.heap.indexOf(a);
    const last = this.heap.pop() as Active;
    if (i === this.heap.length) return;
    this.heap[i] = last;
    this.siftDown(i);
    this.siftUp(i);
  }

  private before(a: Active, b: Active): boolean {
    return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i] as Active, h[parent] as Active)) break;
      [h[i], h[parent]] = [h[parent] as Active, h[i] as Active];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l] as Active, h[m] as Active)) m = l;
      if (r < h.length && this.before(h[r] as Active, h[m] as Active)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as Active, h[i] as Active];
      i = m;
    }
  }
}
