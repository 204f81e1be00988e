import { isNotFound } from '../api/errors.js';
import { RequeueAfter, WorkQueue } from './WorkQueue.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * Thrown by a reconcile when the object's spec can never work as written (bad quantity, empty
 * selector...). The reconcile records a Warning event first; the runner then stops retrying the key
 * until the object changes again (its informer enqueues it).
 */
export class InvalidSpec extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSpec';
  }
}

/** A running controller loop: a work queue in front of one `reconcile(key)`. */
export interface ControllerLoop {
  readonly name: string;
  enqueue(key: string): void;
  enqueueAfter(key: string, ms: number): void;
  /** Resolves when nothing is queued or running. Timers (backoff, requeue-after) may still be pending. */
  idle(): Promise<void>;
  /** Reconciles started so far (tests use it to tell a quiet system from a busy one). */
  runs(): number;
  /** Earliest time (clock ms) a failed key is due to be retried by backoff, if any. */
  nextRetryAt(): number | undefined;
  stop(): void;
}

export interface LoopOptions {
  clock: Clock;
  log: Logger;
  workers?: number;
  /** Reconciles wait for this first (informer caches synced), as controller-runtime does. */
  ready?: Promise<void>;
  /** Retry delay after the first failure of a key (default 10 ms), doubling per failure up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Runs `reconcile` behind a WorkQueue with the house error policy: a throw is requeued with
 * per-key exponential backoff (WorkQueue), NotFound means the object is gone (done), `InvalidSpec`
 * is done (the reconcile already recorded why), `RequeueAfter` looks again later.
 */
export function runLoop(name: string, reconcile: (key: string) => Promise<void>, opts: LoopOptions): ControllerLoop {
  const log = opts.log.child({ controller: name });
  const ready = opts.ready ?? Promise.resolve();
  let runs = 0;
  const failures = new Map<string, number>();
  const wrapped = async (key: string): Promise<void> => {
    runs++;
    await ready;
    try {
      await reconcile(key);
      failures.delete(key);
    } catch (e) {
      if (e instanceof RequeueAfter) {
        failures.delete(key);
        throw e;
      }
      if (isNotFound(e) || e instanceof InvalidSpec) {
        failures.delete(key);
        if (e instanceof InvalidSpec) log.info('invalid spec; not retrying', { key, error: e.message });
        return;
      }
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      if (n === 5 || (n > 5 && n % 20 === 0)) log.warn('reconcile keeps failing', { key, attempt: n, error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  };
  const queue = new WorkQueue(name, wrapped, opts.clock, log, opts.workers ?? 2, opts.maxBackoffMs ?? 60_000, opts.initialBackoffMs ?? 10);
  return {
    name,
    enqueue: (key) => queue.add(key),
    enqueueAfter: (key, ms) => queue.addAfter(key, ms),
    idle: () => queue.idle(),
    runs: () => runs,
    nextRetryAt: () => queue.nextRetryAt(),
    stop: () => queue.stop(),
  };
}
