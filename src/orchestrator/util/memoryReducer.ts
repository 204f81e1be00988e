import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Disposable } from './disposable.js';
import type { Logger } from './logger.js';

/**
 * Gives the memory of a finished load back. V8 collects garbage when the program allocates (its own
 * memory reducer also runs a few collections once allocation slows after a load). The watch cache
 * keeps about 75 s of events: when a load's history ages out, tens of thousands of objects become
 * garbage at once, long after V8's last collection, in a process that may allocate nothing for
 * hours. Measured after a 20,000-pod Deployment was created and deleted: 182 MB of heap in use and
 * 276-310 MB RSS minutes later, against 26 MB and 96 MB idle before it; with this, 30 MB and
 * 134 MB as soon as the history aged out. kube-apiserver's Go runtime returns such memory by
 * itself (its scavenger); V8 needs to be asked.
 *
 * A part of the program that lets go of much calls `memoryReleased()` (the cacher, when a trim drops
 * 1,000+ events and leaves none but the last few). Every `intervalMs` the reducer looks at the
 * event loop's utilization since its last look; after a release, the first look that finds the loop
 * quiet runs one major collection, compacting (see collectGarbage). Such a collection is not
 * incremental: it pauses the loop in proportion to the live heap (66 ms with 30 MB live; 310 ms
 * with 176 MB), which is why it waits for a quiet loop and runs only after a release, when the heap
 * is mostly garbage. Growth alone is left to V8.
 * One reducer serves the process, however many control planes it runs (tests).
 */
export interface MemoryReducerOptions {
  intervalMs?: number;
  /** Event-loop utilization (0..1) since the last look below which the process counts as quiet. */
  quietUtilization?: number;
  /** Told of each collection (debug). */
  log?: Logger;
}

/** What the reducer reads and does; the process's own by default (a unit test gives its own). */
export interface MemoryHost {
  heapUsed(): number;
  /** Event-loop utilization since the previous call (0..1). */
  utilization(): number;
  /** A major collection; false when this process cannot run one. */
  collect(): boolean;
}

export class MemoryReducer {
  private released = false;
  readonly collections: { at: number; beforeBytes: number; afterBytes: number; pauseMs: number }[] = [];

  constructor(
    private readonly host: MemoryHost,
    private readonly opts: Required<Pick<MemoryReducerOptions, 'quietUtilization'>>,
  ) {}

  /** Much that was live is garbage now (see above): the next quiet look collects. */
  release(): void {
    this.released = true;
  }

  /** One look; returns whether it collected. */
  tick(now: number): boolean {
    const quiet = this.host.utilization() < this.opts.quietUtilization;
    if (!quiet || !this.released) return false;
    this.released = false;
    const before = this.host.heapUsed();
    const t0 = performance.now();
    if (!this.host.collect()) return false;
    this.collections.push({ at: now, beforeBytes: before, afterBytes: this.host.heapUsed(), pauseMs: performance.now() - t0 });
    if (this.collections.length > 16) this.collections.shift();
    return true;
  }
}

let gcFn: (() => void) | null | undefined;

/** V8's `gc()`: the global one when node runs with --expose-gc, else exposed for this process (as the `expose-gc` package does). */
function majorGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return (gcFn = g);
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    gcFn = typeof f === 'function' ? (f as () => void) : null;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

/**
 * Runs one major collection now, compacting: what is live moves together so the emptied pages go
 * back to the operating system (without compaction, a collection after a load left 192 MB of heap
 * committed for 30 MB in use, and the RSS with it). False when this process cannot collect.
 */
export function collectGarbage(): boolean {
  const gc = majorGc();
  if (!gc) return false;
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  return true;
}

function processHost(): MemoryHost {
  let last = performance.eventLoopUtilization();
  return {
    heapUsed: () => process.memoryUsage().heapUsed,
    utilization() {
      const now = performance.eventLoopUtilization();
      const d = performance.eventLoopUtilization(now, last);
      last = now;
      return d.utilization;
    },
    collect: collectGarbage,
  };
}

let shared: { reducer: MemoryReducer; timer: NodeJS.Timeout; users: number } | undefined;

/** Tells the process's reducer (if one runs) that much that was live is garbage now. */
export function memoryReleased(): void {
  shared?.reducer.release();
}

/** Starts the process's reducer (or joins the running one); dispose to leave it. */
export function startMemoryReducer(opts: MemoryReducerOptions = {}): Disposable {
  if (!shared) {
    const reducer = new MemoryReducer(processHost(), { quietUtilization: opts.quietUtilization ?? 0.1 });
    const mb = (b: number) => Math.round(b / 1048576);
    const timer = setInterval(() => {
      if (!reducer.tick(Date.now())) return;
      const c = reducer.collections[reducer.collections.length - 1];
      if (c) opts.log?.debug('collected garbage after a load', { heapUsedMbBefore: mb(c.beforeBytes), heapUsedMbAfter: mb(c.afterBytes), pauseMs: Math.round(c.pauseMs) });
    }, opts.intervalMs ?? 15_000);
    timer.unref();
    shared = { reducer, timer, users: 0 };
  }
  const s = shared;
  s.users++;
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      if (--s.users === 0 && shared === s) {
        clearInterval(s.timer);
        shared = undefined;
      }
    },
  };
}
