import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SqliteStore } from './SqliteStore.js';
import type { Disposable } from '../util/disposable.js';

/** How the datastore keeps its size bounded. Defaults in `DEFAULT_MAINTENANCE`. */
export interface MaintenancePolicy {
  /** How often maintenance runs. */
  intervalMs: number;
  /**
   * Compaction keeps this much history, so a watcher away this long resumes without a relist.
   * Default 150 s: twice the 75 s of history kube-apiserver's watch cache keeps at least (the
   * window its watchers really resume in; etcd itself is compacted every 5 minutes).
   */
  historyMs: number;
  /**
   * ...but never more than this many revisions of it, nor history values adding up to more than
   * this fraction of the live values' bytes: a flood of writes is compacted sooner (a watcher that
   * far behind relists, after a 410).
   */
  maxHistoryRevisions: number;
  maxHistoryFraction: number;
  /** Vacuum once free pages exceed this fraction of the file (and `vacuumMinFreePages`): writes reuse free pages first. */
  vacuumFreeFraction: number;
  vacuumMinFreePages: number;
  /** Pages returned per step; each step is its own short transaction between batches of writes. */
  vacuumStepPages: number;
  /** Lease expiry deletes at most this many keys per run (each a revision watchers see). */
  expireLimit: number;
}

export const DEFAULT_MAINTENANCE: MaintenancePolicy = {
  intervalMs: 30_000,
  historyMs: 150_000,
  maxHistoryRevisions: 20_000,
  maxHistoryFraction: 0.5,
  vacuumFreeFraction: 0.1,
  vacuumMinFreePages: 64,
  vacuumStepPages: 256,
  expireLimit: 10_000,
};

export interface Maintenance extends Disposable {
  /** One full pass now (leases, compaction, vacuum, checkpoint); resolves when it is done. */
  run(): Promise<MaintenanceReport>;
}

export interface MaintenanceReport {
  expired: number;
  compactedTo: number;
  vacuumedPages: number;
  checkpointed: boolean;
}

/**
 * The datastore's housekeeping on a timer: expire leases (Events after their TTL), compact old
 * revisions, return free pages to the file system (incremental vacuum) and fold an idle WAL back
 * into the database. Passes never overlap; each step is a short job in the store's write queue, so
 * writes keep flowing between them.
 */
export function startMaintenance(store: SqliteStore, clock: Clock, log: Logger, policy: Partial<MaintenancePolicy> = {}): Maintenance {
  const p = { ...DEFAULT_MAINTENANCE, ...policy };
  /** (time, revision) samples: the compaction target is the revision of `historyMs` ago. */
  const samples: { at: number; rev: number }[] = [];
  let lastRev = -1;
  let running: Promise<MaintenanceReport> | undefined;

  const pass = async (): Promise<MaintenanceReport> => {
    const now = clock.now();
    let expired = 0;
    while (expired < p.expireLimit) {
      const n = await store.expire(now, Math.min(1000, p.expireLimit - expired));
      expired += n;
      if (n < 1000) break;
    }

    const current = store.currentRevision();
    samples.push({ at: now, rev: current });
    while (samples.length > 1 && (samples[1] as { at: number }).at <= now - p.historyMs) samples.shift();
    const old = samples[0] && samples[0].at <= now - p.historyMs ? samples[0].rev : 0;
    let target = Math.max(old, current - p.maxHistoryRevisions);
    const { liveBytes, historyBytes } = store.stats();
    const excess = historyBytes - p.maxHistoryFraction * liveBytes;
    if (excess > 0) target = Math.max(target, await store.compactionTargetFor(excess));
    if (target > store.compactedRevision()) await store.compact(target);

    let vacuumedPages = 0;
    let sizes = store.sizes();
    const threshold = Math.max(p.vacuumMinFreePages, Math.floor(p.vacuumFreeFraction * sizes.pageCount));
    if (sizes.freePages > threshold) {
      while (sizes.freePages > 0) {
        const before = sizes.freePages;
        await store.vacuumStep(p.vacuumStepPages);
        sizes = store.sizes();
        vacuumedPages += before - sizes.freePages;
        if (sizes.freePages >= before) break;
      }
    }
    // An idle store (or one that just shrank) folds its WAL in and empties it; a busy one
    // checkpoints as it writes and the WAL starts over at `journal_size_limit`.
    const idle = store.currentRevision() === lastRev;
    lastRev = store.currentRevision();
    const checkpointed = vacuumedPages > 0 || (idle && store.sizes().walBytes > 0);
    if (checkpointed) await store.checkpoint(true);
    const report = { expired, compactedTo: store.compactedRevision(), vacuumedPages, checkpointed };
    if (expired || vacuumedPages) log.debug('datastore maintenance', { ...report });
    return report;
  };

  // Passes run one after the other: an explicit run() waits for the pass under way, then makes its own.
  const run = () => {
    const next = (running ?? Promise.resolve()).catch(() => undefined).then(pass);
    running = next;
    void next.finally(() => {
      if (running === next) running = undefined;
    }).catch(() => undefined);
    return next;
  };
  const cancel = clock.setInterval(() => {
    if (running) return; // a slow pass is still going: skip this tick rather than pile up
    run().catch((e: unknown) => log.warn('datastore maintenance failed', { error: e instanceof Error ? e.message : String(e) }));
  }, p.intervalMs);
  return { run, dispose: cancel };
}
