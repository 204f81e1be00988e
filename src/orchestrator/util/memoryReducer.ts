import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Disposable } from './disposable.js';
import type { Logger } from './logger.js';

/**
 * Gives the memory of a finished load back. V8 collects garbage when the program allocates, so a
 * control plane that goes quiet after a burst (20,000 pods created and deleted, then the watch
 * caches' history trimmed 75 s later) keeps that garbage, and its RSS, for as long as nothing
 * allocates: measured, 153 MB of heap in use and 276 MB RSS three minutes after such a load, against
 * 26 MB and 96 MB idle before it. kube-apiserver's Go runtime returns such memory on its own (its
 * scavenger); V8 needs to be asked.
 *
 * Every `intervalMs` this looks at the heap in use and the event loop's utilization since its last
 * look. When the loop was mostly idle and either the heap has grown by `growthBytes` since the
 * smallest heap seen after a collection, or a part of the program said it let go of much
 * (`memoryReleased()`: the watch cache trimming thousands of events turns live objects into garbage
 * without the heap growing), it runs one major collection: on a quiet loop, once after a load,
 * never during one. Such a collection is not incremental: it pauses the loop in proportion to the
 * live heap (about 150 ms with 200 MB live, 10-20 ms idle), which is why it waits for quiet.
 * One reducer serves the process, however many control planes it runs (tests).
 */
export interface MemoryReducerOptions {
  intervalMs?: number;
  /** Event-loop utilization (0..1) since the last look below which the process counts as quiet. */
  quietUtilization?: number;
  growthBytes?: number;
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
  private floor: number;
  private released = false;
  readonly collections: { at: number; beforeBytes: number; afterBytes: number }[] = [];

  constructor(
    private readonly host: MemoryHost,
    private readonly opts: Required<Pick<MemoryReducerOptions, 'quietUtilization' | 'growthBytes'>>,
  ) {
    this.floor = host.heapUsed();
  }

  /** Much that was live is garbage now (see above): the next quiet look collects. */
  release(): void {
    this.released = true;
  }

  /** One look; returns whether it collected. */
  tick(now: number): boolean {
    const quiet = this.host.utilization() < this.opts.quietUtilization;
    const used = this.host.heapUsed();
    // V8's own collections lower what is in use: the floor follows them down.
    this.floor = Math.min(this.floor, used);
    if (!quiet || (!this.released && used - this.floor < this.opts.growthBytes)) return false;
    this.released = false;
    if (!this.host.collect()) return false;
    const after = this.host.heapUsed();
    this.collections.push({ at: now, beforeBytes: used, afterBytes: after });
    if (this.collections.length > 16) this.collections.shift();
    this.floor = after;
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

/** Runs one major collection now; false when this process cannot. */
export function collectGarbage(): boolean {
  const gc = majorGc();
  if (!gc) return false;
  gc();
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
    const reducer = new MemoryReducer(processHost(), { quietUtilization: opts.quietUtilization ?? 0.1, growthBytes: opts.growthBytes ?? 48 * 1024 * 1024 });
    const mb = (b: number) => Math.round(b / 1048576);
    const timer = setInterval(() => {
      if (!reducer.tick(Date.now())) return;
      const c = reducer.collections[reducer.collections.length - 1];
      if (c) opts.log?.debug('collected garbage after a load', { heapUsedMbBefore: mb(c.beforeBytes), heapUsedMbAfter: mb(c.afterBytes) });
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
