import type { Disposable } from '../util/disposable.js';
import type { Logger } from '../util/logger.js';
import { FsyncFailed } from './diskFiles.js';
import type { StoreEntry, StoreEvent } from './types.js';
import type { WriteJob } from './sqliteWriter.js';

/**
 * Work run alone, outside a transaction (checkpoint, vacuum): no batch runs until it is done, and
 * it makes durable what it wrote itself (off the loop).
 */
export type AloneJob = { kind: 'alone'; label: string; run: () => Promise<void> };
export type PipelineJob = WriteJob | AloneJob;
type Settle = { resolve(v: StoreEntry | undefined): void; reject(e: unknown): void };
type Queued = PipelineJob & Settle;
/** A job in a batch: a write (or a compaction), never one that runs alone. */
export type BatchJob = WriteJob & Settle;
/** What became of one job of a committed batch: a write's event, a write's own check failing, or a job with nothing to tell (compaction). */
export type Outcome = { event: StoreEvent } | { error: unknown } | { done: true };

/** A batch holds the event loop while it is applied: at most this many writes, or this many bytes. */
export const MAX_BATCH = 128;
export const MAX_BATCH_BYTES = 1 << 20;

/**
 * What the pipeline needs from the database under it. All calls come from the pipeline, one at a
 * time: never two batches, nor a batch and an alone job, at once.
 */
export interface CommitHost {
  /** False once the database is closed: nothing more is flushed. */
  isOpen(): boolean;
  /**
   * Applies the batch's jobs in order in one transaction, one outcome per job (a write that fails
   * its own check is an `error` outcome, the rest go on). Rejects if the transaction failed: then
   * none of it was written and every job of the batch is rejected with that error.
   */
  commit(batch: readonly BatchJob[]): Promise<Outcome[]>;
  /** Makes the committed batch durable, off the event loop; rejects (with `FsyncFailed`) if it cannot. */
  sync(): Promise<void>;
  /** The batch is durable; called once before any of its writes is acknowledged. */
  durable(): void;
  /** One durable write, in revision order, just before watchers and its writer hear of it. */
  acknowledged(event: StoreEvent): void;
  /** After each acknowledged batch: a job to run alone before the next batch (a checkpoint), or none. */
  afterBatch(): AloneJob | undefined;
  /** Around a job running alone: nothing else runs on the database between the two. */
  beforeAlone(job: AloneJob): void;
  afterAlone(job: AloneJob): void;
}

type Watcher = { prefix: string; from: number; handler: (e: StoreEvent) => void };

/**
 * Group commit: writes queue up; each flush applies every queued write (up to a cap) in one
 * transaction, makes it durable off the loop, and only then acknowledges the writes and fans them
 * out to watchers, in revision order, while the next batch gathers. Jobs that must run alone
 * (checkpoints, vacuum) wait for the batch before them and hold back the batch after them.
 *
 * Contract: a promise resolves only after its write is durable; watchers get every durable event
 * once, in revision order, synchronously before the writer's promise resolves; after a failed sync
 * the pipeline stops and rejects every later job (a database must not go on after a failed fsync).
 */
export class CommitPipeline {
  private readonly queue: Queued[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly waitingReads: (() => void)[] = [];
  private flushScheduled = false;
  /** Waiting for the disk (a batch, or a job running alone). */
  private busy = false;
  /** A committed batch is not acknowledged yet. */
  private unacked = false;
  private failure: Error | undefined;
  private batchCount = 0;

  constructor(
    private readonly host: CommitHost,
    private readonly log: Logger,
  ) {}

  /** Set once the pipeline stopped (closed, or a failed sync); every later job is rejected with it. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Batches committed so far. */
  get batches(): number {
    return this.batchCount;
  }

  /** Queues a job; resolves once it is durable (a write: with its entry). */
  enqueue(job: PipelineJob): Promise<StoreEntry | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ ...job, resolve, reject });
      this.schedule();
    });
  }

  /** Runs `fn` once no committed batch waits for its acknowledgement (now, if none does). */
  whenAcknowledged(fn: () => void): void {
    if (this.unacked) this.waitingReads.push(fn);
    else fn();
  }

  /** Calls `handler` with each event acknowledged from now on whose revision is above `from` and key starts with `prefix`. */
  watch(prefix: string, from: number, handler: (e: StoreEvent) => void): Disposable {
    const w = { prefix, from, handler };
    this.watchers.add(w);
    return { dispose: () => this.watchers.delete(w) };
  }

  /** Stops: drops the watchers, rejects what is queued and everything later with `reason`. */
  close(reason: Error): void {
    this.watchers.clear();
    for (const j of this.queue.splice(0)) j.reject(reason);
    this.failure ??= reason;
  }

  private schedule(): void {
    if (this.flushScheduled || this.busy || this.queue.length === 0) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.busy || !this.host.isOpen()) return;
    const first = this.queue[0];
    if (!first) return;
    if (first.kind === 'alone') {
      this.queue.shift();
      this.runAlone(first);
      return;
    }
    const batch: BatchJob[] = [];
    let bytes = 0;
    for (let next = this.queue[0]; next && next.kind !== 'alone' && batch.length < MAX_BATCH && bytes < MAX_BATCH_BYTES; next = this.queue[0]) {
      batch.push(next);
      this.queue.shift();
      if (next.kind === 'create' || next.kind === 'update') bytes += next.value.length;
    }
    // Busy from here: the transaction may run on another thread, and the next batch gathers meanwhile.
    this.busy = true;
    this.unacked = true;
    this.host.commit(batch).then(
      (outcomes) => {
        this.batchCount++;
        // Closed meanwhile: the writer closed after this batch, making the file durable.
        if (!this.host.isOpen()) return this.ack(batch, outcomes);
        this.host.sync().then(
          () => this.ack(batch, outcomes),
          (e: unknown) => this.fail(e, batch),
        );
      },
      (e: unknown) => {
        this.busy = false;
        this.unacked = false;
        for (const job of batch) job.reject(e);
        for (const r of this.waitingReads.splice(0)) r();
        this.schedule();
      },
    );
  }

  /** The batch is durable: acknowledge it, fan out in revision order, serve the reads that waited. */
  private ack(batch: BatchJob[], outcomes: Outcome[]): void {
    this.host.durable();
    batch.forEach((job, i) => {
      const o = outcomes[i] as Outcome;
      if ('event' in o) {
        this.host.acknowledged(o.event);
        this.fanOut(o.event);
        job.resolve(o.event.entry);
      } else if ('error' in o) job.reject(o.error);
      else job.resolve(undefined);
    });
    this.busy = false;
    this.unacked = false;
    for (const r of this.waitingReads.splice(0)) r();
    const next = this.host.isOpen() ? this.host.afterBatch() : undefined;
    if (next) {
      const noop = () => {};
      this.queue.unshift({ ...next, resolve: noop, reject: noop });
    }
    this.schedule();
  }

  private runAlone(job: AloneJob & Settle): void {
    this.busy = true;
    this.host.beforeAlone(job);
    const done = (e?: unknown) => {
      if (!this.host.isOpen()) return job.reject(this.failure);
      this.host.afterAlone(job);
      this.busy = false;
      if (e instanceof FsyncFailed) return this.fail(e, [job]);
      if (e !== undefined) job.reject(e);
      else job.resolve(undefined);
      this.schedule();
    };
    let p: Promise<void>;
    try {
      p = job.run();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => done(),
      (e: unknown) => done(e ?? new Error(`${job.label} failed`)),
    );
  }

  /**
   * The disk refused to make a batch durable. Its writes may be in the file but cannot be promised:
   * the pipeline stops (every later call fails), as a database must after a failed fsync.
   */
  private fail(e: unknown, batch: Settle[]): void {
    const cause = e instanceof FsyncFailed ? e.cause : e;
    const msg = cause instanceof Error ? cause.message : String(cause);
    this.failure = new Error(`the datastore could not make writes durable (fsync failed: ${msg}); restart Skiff`);
    this.log.error('datastore fsync failed; refusing further writes', { error: msg });
    for (const j of [...batch, ...this.queue.splice(0)]) j.reject(this.failure);
    for (const r of this.waitingReads.splice(0)) r();
    this.busy = false;
    this.unacked = false;
  }

  private fanOut(event: StoreEvent): void {
    for (const w of this.watchers) {
      if (event.entry.modRevision > w.from && event.entry.key.startsWith(w.prefix)) {
        try {
          w.handler(event);
        } catch (e) {
          // A handler must not throw; if one does, the others and the writer still get their turn.
          this.log.error('a store watch handler threw', { key: event.entry.key, error: e instanceof Error ? e.message : String(e) });
        }
      }
    }
  }
}
