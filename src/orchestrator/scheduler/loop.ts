import type { ControllerLoop } from '../client/runner.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { SchedulingQueue, type Outcome } from './queue.js';

/** What one scheduling attempt of a popped pod came to. */
export type CycleResult = 'done' | Outcome;

export interface SchedulingLoopOptions {
  clock: Clock;
  log: Logger;
  /** Attempts wait for this first (informer caches synced). */
  ready: Promise<void>;
  /** The pod's priority (spec.priority, 0 when unset or gone). */
  priorityOf: (key: string) => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxInUnschedulableMs?: number;
}

export interface SchedulingLoop extends ControllerLoop {
  readonly queue: SchedulingQueue;
}

/** How long one turn of the event loop may run attempts back to back before yielding, ms. */
export const TURN_BUDGET_MS = 2;

/**
 * The scheduler's one worker: pops the highest-priority active pod from the `SchedulingQueue` and
 * runs one attempt after another, from a turn of the event loop (`setImmediate`) that it yields
 * once its attempts have run `TURN_BUDGET_MS`, so a long queue never holds the loop. An attempt
 * that throws counts as an `error` (back-off, then retry).
 */
export function schedulingLoop(name: string, attempt: (key: string) => Promise<CycleResult>, opts: SchedulingLoopOptions): SchedulingLoop {
  const log = opts.log.child({ controller: name });
  let runs = 0;
  let running = false;
  let pumpScheduled = false;
  let stopped = false;
  const timers = new Map<string, () => void>();
  const failures = new Map<string, number>();
  const idleWaiters: (() => void)[] = [];

  const queue = new SchedulingQueue({
    clock: opts.clock,
    initialBackoffMs: opts.initialBackoffMs,
    maxBackoffMs: opts.maxBackoffMs,
    maxInUnschedulableMs: opts.maxInUnschedulableMs,
    onActive: () => schedulePump(),
  });

  const isIdle = () => !running && queue.sizes().active === 0;
  const wakeIdle = () => {
    if (isIdle()) for (const w of idleWaiters.splice(0)) w();
  };
  /** When the current turn's attempts began. */
  let turnStart = 0;
  function schedulePump(): void {
    if (pumpScheduled || running || stopped) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      turnStart = performance.now();
      void pump();
    });
  }
  async function pump(): Promise<void> {
    if (running || stopped) return;
    const key = queue.pop();
    if (key === undefined) return wakeIdle();
    running = true;
    runs++;
    let result: CycleResult;
    try {
      await opts.ready;
      result = await attempt(key);
    } catch (e) {
      result = 'error';
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      const fields = { key, attempt: n, error: e instanceof Error ? e.message : String(e) };
      if (n === 5 || (n > 5 && n % 20 === 0)) log.warn('scheduling attempt keeps failing', fields);
      else log.debug('scheduling attempt failed; backing off', fields);
    }
    if (result !== 'error') failures.delete(key);
    if (result === 'done') queue.done(key);
    else queue.failed(key, result, opts.priorityOf(key));
    running = false;
    if (queue.sizes().active === 0) wakeIdle();
    // More attempts in this turn while it is short (one attempt is tens of microseconds): one per
    // turn would tie the scheduler's rate to how often a busy event loop comes round.
    else if (performance.now() - turnStart < TURN_BUDGET_MS) void pump();
    else schedulePump();
  }

  return {
    name,
    queue,
    enqueue: (key) => queue.add(key, opts.priorityOf(key)),
    enqueueAfter: (key, ms) => {
      if (stopped) return;
      timers.get(key)?.();
      timers.set(
        key,
        opts.clock.setTimeout(() => {
          timers.delete(key);
          queue.add(key, opts.priorityOf(key));
        }, ms),
      );
    },
    idle: () => (isIdle() ? Promise.resolve() : new Promise((r) => idleWaiters.push(r))),
    runs: () => runs,
    nextRetryAt: () => queue.nextBackoffAt(),
    stop: () => {
      stopped = true;
      queue.stop();
      for (const cancel of timers.values()) cancel();
      timers.clear();
      for (const w of idleWaiters.splice(0)) w();
    },
  };
}
