import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { CommitPipeline, type AloneJob, type BatchJob, type CommitHost, type Outcome } from './CommitPipeline.js';
import { DiskFiles } from './diskFiles.js';
import { HoldStats, type HoldSummary } from './holdStats.js';
import { listChunk, listInPages, type ListChunk, type ListReader } from './listPages.js';
import { prepareDatabase } from './schema.js';
import { prepareStatements, toEntry, type KvRow, type LogRow, type Statements } from './statements.js';
import type { Disposable } from '../util/disposable.js';
import { StoreCompacted, StoreConflict, StoreNotFound, type Store, type StoreEntry, type StoreEvent } from './types.js';
import { applyWrite, isStoreError, type Tally } from './writeBatch.js';

export interface SqliteStoreOptions {
  /** Lease expiry times come from this clock. */
  clock?: Clock;
  log?: Logger;
  /**
   * Leases: a key under `prefix` expires `ttlMs` after its last create or update, and the store
   * deletes it (a delete revision, so watchers see it) when `expire()` runs: how kube-apiserver
   * keeps Events (`--event-ttl`, 1 h) with etcd leases.
   */
  leases?: { prefix: string; ttlMs: number }[];
  /**
   * Checkpoint once the WAL holds about this many bytes, and cut the WAL file back to this size when
   * it starts over (`journal_size_limit`), so it never keeps its high-water mark. Default: a sixteenth
   * of the database file, between 256 KiB and 4 MiB (a small store keeps a small WAL).
   */
  checkpointBytes?: number;
  /** Test seam: makes a file durable (default: fdatasync on libuv's thread pool). */
  syncFile?: (fd: number) => Promise<void>;
}

/** Revisions compacted per step (one short job between batches). */
const COMPACT_CHUNK = 500;

export interface StoreStats {
  revision: number;
  compacted: number;
  batches: number;
  writes: number;
  /** Bytes of live values, and of the history compaction has not dropped yet. */
  liveBytes: number;
  historyBytes: number;
  /** How long synchronous SQLite calls held the event loop (ms), by kind. */
  hold: Record<string, HoldSummary>;
}

export interface StoreSizes {
  pageSize: number;
  pageCount: number;
  freePages: number;
  fileBytes: number;
  walBytes: number;
}

/**
 * The embedded datastore: SQLite through better-sqlite3, in WAL mode, with group commit.
 *
 * Writes queue up; the flusher applies every queued write in one transaction (each with its own
 * compare-and-swap check and revision), then makes the WAL durable with fdatasync on libuv's thread
 * pool, so the event loop never waits for the disk. Only then are the writes acknowledged and fanned
 * out to watchers, in revision order; meanwhile the next batch gathers. Reads go to a second
 * connection pinned to the last durable state, so nothing is ever read, listed or watched that
 * `kill -9` or a power cut could take back, and no read waits for the disk. The database file is
 * checkpointed from the WAL at moments the store picks, and fsynced (again off the loop) before the
 * WAL is reused.
 *
 * The queue, batching, acknowledgement and fan-out are CommitPipeline.ts; this class is its host (the
 * transaction, the fsync, the reader's snapshot, checkpoints). Tables and migrations: schema.ts.
 * A watch registered at revision R sees exactly the changes after R.
 */
export class SqliteStore implements Store {
  /** The writer: batches, compare-and-swap checks, maintenance. */
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  /**
   * The reader: a second connection holding a read transaction open on the last durable state
   * (re-pinned after each batch). For `:memory:` (one connection per database) it is the writer,
   * and reads wait while a batch is not acknowledged.
   */
  private readonly reader: Database.Database;
  private readonly rstmts: Statements;
  private readonly files: DiskFiles;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leases: { prefix: string; ttlMs: number }[];
  private readonly checkpointBytes: number | undefined;
  private readonly pageSize: number;
  private readonly holds = new HoldStats();
  /** Batching, durability, acknowledgement and fan-out (CommitPipeline.ts); this class is its host. */
  private readonly pipeline: CommitPipeline;
  private rev: number;
  private compacted: number;
  private bytes: { live: number; history: number };
  private walLimit = -1;
  private writtenSinceCheckpoint = 0;
  private checkpointQueued = false;
  private compaction: Promise<void> = Promise.resolve();
  private writes = 0;

  /** `path` is a file (created 0600), or `:memory:` for unit tests. */
  constructor(
    readonly path: string,
    opts: SqliteStoreOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? silentLogger;
    this.leases = opts.leases ?? [];
    this.checkpointBytes = opts.checkpointBytes;
    const inMemory = path === ':memory:';
    // SQLite gives the -wal and -shm files the database file's mode.
    if (!inMemory) closeSync(openSync(path, 'a', 0o600));
    // No busy waiting: both connections live on this thread, so a lock that is busy would stay busy.
    this.db = new Database(path, { timeout: 0 });
    try {
      prepareDatabase(this.db, path, this.log);
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.stmts = prepareStatements(this.db);
    this.rev = this.meta('revision');
    this.compacted = this.meta('compacted');
    this.bytes = this.countBytes();
    this.leaseExisting();
    this.pageSize = this.db.pragma('page_size', { simple: true }) as number;
    if (inMemory) {
      this.reader = this.db;
      this.rstmts = this.stmts;
      this.files = DiskFiles.none();
    } else {
      this.reader = new Database(path, { timeout: 0, readonly: true });
      this.rstmts = prepareStatements(this.reader);
      this.pin();
      this.files = DiskFiles.open(path, opts.syncFile);
    }
    this.checkpointThreshold();
    this.pipeline = new CommitPipeline(this.commitHost(), this.log);
  }

  private meta(name: string): number {
    return this.stmts.getMeta.get(name) as number;
  }

  /** The byte totals, counted once when a file does not have them yet (new, or from an older Skiff). */
  private countBytes(): { live: number; history: number } {
    let live = this.meta('live_bytes');
    let history = this.meta('history_bytes');
    if (live < 0 || history < 0) {
      live = this.db.prepare('SELECT COALESCE(SUM(LENGTH(CAST(log.value AS BLOB))), 0) FROM kv JOIN log ON log.rev = kv.mod_rev').pluck().get() as number;
      history = (this.db.prepare('SELECT COALESCE(SUM(LENGTH(CAST(value AS BLOB))), 0) FROM log').pluck().get() as number) - live;
      this.db.transaction(() => {
        this.stmts.setMeta.run(live, 'live_bytes');
        this.stmts.setMeta.run(history, 'history_bytes');
      })();
    }
    return { live, history };
  }

  /** Keys under a lease prefix written before the lease existed (or by an older Skiff) get one now. */
  private leaseExisting(): void {
    for (const l of this.leases) {
      this.db.prepare('UPDATE kv SET expires_at = ? WHERE key >= ? AND key < ? AND expires_at IS NULL').run(this.clock.now() + l.ttlMs, l.prefix, prefixEnd(l.prefix));
    }
  }

  currentRevision(): number {
    return this.rev;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  get(key: string): Promise<StoreEntry | undefined> {
    return this.read('get', () => {
      const row = this.rstmts.get.get(key) as KvRow | undefined;
      return row ? toEntry(row) : undefined;
    });
  }

  /** Every live key under `prefix` with the revision it was read at, read in pages (listPages.ts). */
  list(prefix: string): Promise<{ items: StoreEntry[]; revision: number }> {
    return listInPages(this.listReader(), prefix, prefixEnd(prefix));
  }

  private listReader(): ListReader {
    return { read: (fn) => this.read('list', fn), stmts: this.rstmts, compacted: () => this.compacted };
  }

  /** One chunk of a paged list, at a fixed revision (listPages.ts). */
  listChunk(prefix: string, opts: { start?: string; limit: number; revision?: number }): Promise<ListChunk> {
    return listChunk(this.listReader(), opts.start ?? prefix, prefixEnd(prefix), opts.limit, opts.revision);
  }

  count(prefix: string): Promise<number> {
    return this.read('count', () => this.rstmts.count.get(prefix, prefixEnd(prefix)) as number);
  }

  create(key: string, value: string): Promise<StoreEntry> {
    return this.pipeline.enqueue({ kind: 'create', key, value }) as Promise<StoreEntry>;
  }

  update(key: string, value: string, expectedRevision?: number): Promise<StoreEntry> {
    return this.pipeline.enqueue({ kind: 'update', key, value, expected: expectedRevision }) as Promise<StoreEntry>;
  }

  delete(key: string, expectedRevision?: number): Promise<StoreEntry> {
    return this.pipeline.enqueue({ kind: 'delete', key, expected: expectedRevision }) as Promise<StoreEntry>;
  }

  watch(prefix: string, fromRevision: number, handler: (event: StoreEvent) => void): Disposable {
    if (fromRevision < this.compacted) throw new StoreCompacted(fromRevision, this.compacted);
    if (fromRevision < this.rev) {
      // Only acknowledged revisions: a batch waiting for the disk arrives live once it is durable.
      const rows = this.holds.time('replay', () => this.rstmts.replay.all(fromRevision, this.rev, prefix, prefixEnd(prefix)) as LogRow[]);
      for (const row of rows) handler(this.logEvent(row));
    }
    return this.pipeline.watch(prefix, fromRevision, handler);
  }

  /**
   * Drops history at or below `revision`, in chunks between other writes. For each key the newest
   * change at or below it stays (it is the `prev` of later events) unless that change is a delete.
   */
  compact(revision: number): Promise<void> {
    const run = async () => {
      const target = Math.min(revision, this.rev);
      while (this.compacted < target) {
        const lo = this.compacted;
        const hi = Math.min(target, lo + COMPACT_CHUNK);
        await this.pipeline.enqueue({
          kind: 'exec',
          run: () => {
            const freed = this.stmts.compactFreed.get(lo, hi) as number;
            this.stmts.compactSuperseded.run(lo, hi);
            this.stmts.compactTombstones.run(lo, hi);
            this.stmts.setMeta.run(hi, 'compacted');
            this.stmts.setMeta.run(this.bytes.history - freed, 'history_bytes');
            return () => {
              this.compacted = hi;
              this.bytes.history -= freed;
            };
          },
        });
      }
    };
    this.compaction = this.compaction.then(run, run);
    return this.compaction;
  }

  /**
   * The revision to compact to so that at least `bytes` of history go, oldest first (the current
   * revision when all of it must). Reads in chunks, letting other work run between them.
   */
  async compactionTargetFor(bytes: number): Promise<number> {
    let from = this.compacted;
    let freed = 0;
    for (;;) {
      const at = from;
      const rows = await this.read('scan', () => this.rstmts.historyFreed.all(at, 2000) as { rev: number; n: number }[]);
      for (const r of rows) {
        freed += r.n;
        if (freed >= bytes) return Math.min(r.rev, this.rev);
      }
      const last = rows.at(-1);
      if (!last || last.rev >= this.rev) return this.rev;
      from = last.rev;
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Deletes up to `limit` keys whose lease ran out by `now`; returns how many it deleted. */
  async expire(now = this.clock.now(), limit = 1000): Promise<number> {
    const due = await this.read('expire', () => this.rstmts.due.all(now, limit) as { key: string; mod_rev: number }[]);
    const done = await Promise.all(
      due.map((d) =>
        this.delete(d.key, d.mod_rev).then(
          () => 1,
          (e: unknown) => {
            // Written (so re-leased) or deleted since the scan: nothing to expire.
            if (e instanceof StoreConflict || e instanceof StoreNotFound) return 0;
            throw e;
          },
        ),
      ),
    );
    return done.reduce<number>((a, b) => a + b, 0);
  }

  /**
   * Copies the WAL into the database file and makes that durable, so the WAL can start over (at
   * the next write, cut to `journal_size_limit`); with `truncate`, then empties the WAL file at once.
   */
  async checkpoint(truncate = false): Promise<void> {
    await this.pipeline.enqueue({ kind: 'alone', label: 'checkpoint', run: () => this.checkpointJob(truncate) });
  }

  /**
   * PASSIVE copies without fsync (synchronous=OFF); the fsync of the database file follows, and
   * only then may the WAL be reused: by the next batch (nothing runs between) or by TRUNCATE here,
   * which has nothing left to copy.
   */
  private async checkpointJob(truncate: boolean): Promise<void> {
    this.holds.time('checkpoint', () => this.db.pragma('wal_checkpoint(PASSIVE)'));
    this.writtenSinceCheckpoint = 0;
    await this.files.sync('db');
    if (truncate) this.holds.time('checkpoint', () => this.db.pragma('wal_checkpoint(TRUNCATE)'));
  }

  /** Returns up to `pages` free pages to the file system (the file shrinks at the next checkpoint). */
  async vacuumStep(pages: number): Promise<void> {
    await this.pipeline.enqueue({
      kind: 'alone',
      label: 'vacuum',
      run: async () => {
        this.holds.time('vacuum', () => this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`));
        await this.files.sync('wal');
      },
    });
  }

  /**
   * Rewrites the whole file (no free pages, no old content left in any page), then empties the WAL.
   * Holds the event loop for as long as it takes: for start-up and one-time migrations only.
   */
  async vacuumFull(): Promise<void> {
    await this.pipeline.enqueue({
      kind: 'alone',
      label: 'vacuum-full',
      run: async () => {
        this.holds.time('vacuum-full', () => this.db.exec('VACUUM'));
        await this.files.sync('wal');
        await this.checkpointJob(true);
      },
    });
  }

  /** Sizes for maintenance decisions and benchmarks. */
  sizes(): StoreSizes {
    const pageCount = this.db.pragma('page_count', { simple: true }) as number;
    const freePages = this.db.pragma('freelist_count', { simple: true }) as number;
    const fileBytes = this.files.onDisk ? this.files.dbBytes() : this.pageSize * pageCount;
    return { pageSize: this.pageSize, pageCount, freePages, fileBytes, walBytes: this.files.walFileBytes() };
  }

  /**
   * Live keys and the bytes of their keys and values; log rows (live values and kept history) and
   * their bytes. A full scan: for benchmarks and diagnostics.
   */
  liveData(): { keys: number; bytes: number; logRows: number; logBytes: number } {
    const r = this.rstmts.liveBytes.get() as { keys: number; bytes: number | null };
    const l = this.rstmts.logRows.get() as { rows: number; bytes: number | null };
    return { keys: r.keys, bytes: r.bytes ?? 0, logRows: l.rows, logBytes: l.bytes ?? 0 };
  }

  /**
   * One sample (key and value) for each distinct header (`<prefix>...:`, up to the next colon) of
   * the live values starting with `prefix`, or of every revision with `history`. A full scan: for
   * start-up checks and key rotation.
   */
  samplesByHeader(prefix: string, history = false): { key: string; value: string }[] {
    const head = `SUBSTR(log.value, 1, ${prefix.length} + INSTR(SUBSTR(log.value, ${prefix.length + 1}), ':'))`;
    const from = history ? 'log' : 'kv JOIN log ON log.rev = kv.mod_rev';
    return this.holds.time('scan', () =>
      this.reader.prepare(`SELECT log.key AS key, log.value AS value FROM ${from} WHERE log.value >= ? AND log.value < ? GROUP BY ${head}`).all(prefix, prefixEnd(prefix)) as { key: string; value: string }[],
    );
  }

  health(): string | undefined {
    return this.pipeline.failed?.message;
  }

  stats(): StoreStats {
    return { revision: this.rev, compacted: this.compacted, batches: this.pipeline.batches, writes: this.writes, liveBytes: this.bytes.live, historyBytes: this.bytes.history, hold: this.holds.summary() };
  }

  close(): void {
    if (!this.db.open) return;
    this.pipeline.close(new Error('the datastore is closed'));
    if (this.reader !== this.db) this.reader.close();
    // SQLite checkpoints and removes the WAL on close; FULL makes it fsync the file first.
    this.db.pragma('synchronous = FULL');
    this.db.close();
    this.files.close();
  }

  // ---- the write path ----

  /** The pipeline's view of this database: it calls these one at a time, never two batches at once. */
  private commitHost(): CommitHost {
    return {
      isOpen: () => this.db.open,
      commit: (batch) => this.commitBatch(batch),
      sync: () => this.files.sync('wal'),
      // Closed meanwhile: close() checkpointed with fsync, so the batch is durable; nobody watches.
      durable: () => {
        if (this.db.open) this.pin();
      },
      acknowledged: (event) => {
        this.rev = event.entry.modRevision;
        this.writes++;
      },
      afterBatch: () => this.dueCheckpoint(),
      // The reader lets go for the job (a TRUNCATE checkpoint or VACUUM waits for readers) and
      // re-pins after it: after a complete checkpoint it then reads from the database file alone,
      // which lets the next batch start the WAL over.
      beforeAlone: () => this.unpin(),
      afterAlone: (job) => {
        this.pin();
        if (job.label === 'checkpoint') this.checkpointQueued = false;
      },
    };
  }

  /** One batch in one transaction: each write with its own compare-and-swap check and revision. */
  private commitBatch(batch: readonly BatchJob[]): Outcome[] {
    const outcomes: Outcome[] = [];
    const tally: Tally = { live: 0, history: 0, written: 0 };
    const t0 = performance.now();
    try {
      this.db.transaction(() => {
        let rev = this.rev;
        for (const job of batch) {
          if (job.kind === 'exec') {
            outcomes.push({ done: job.run() });
            continue;
          }
          try {
            const event = applyWrite(this.stmts, job, rev + 1, job.kind === 'delete' ? null : this.expiry(job.key), tally);
            rev = event.entry.modRevision;
            outcomes.push({ event });
          } catch (e) {
            if (!isStoreError(e)) throw e;
            outcomes.push({ error: e });
          }
        }
        if (rev !== this.rev) this.stmts.setMeta.run(rev, 'revision');
        if (tally.live || tally.history) {
          this.stmts.setMeta.run(this.bytes.live + tally.live, 'live_bytes');
          this.stmts.setMeta.run(this.bytes.history + tally.history, 'history_bytes');
        }
      })();
    } finally {
      this.holds.record('commit', performance.now() - t0);
    }
    this.bytes.live += tally.live;
    this.bytes.history += tally.history;
    this.writtenSinceCheckpoint += tally.written;
    return outcomes;
  }

  /** A checkpoint, once the WAL has grown past the threshold (one at a time). */
  private dueCheckpoint(): AloneJob | undefined {
    if (!this.files.onDisk || this.checkpointQueued || this.walSize() < this.checkpointThreshold()) return undefined;
    this.checkpointQueued = true;
    return { kind: 'alone', label: 'checkpoint', run: () => this.checkpointJob(false) };
  }

  /** The WAL size that calls for a checkpoint; also kept as `journal_size_limit`. */
  private checkpointThreshold(): number {
    const want = this.checkpointBytes ?? Math.min(4 << 20, Math.max(256 << 10, Math.floor(this.files.dbBytes() / 16)));
    // Re-set only on a real change (a quarter), not on every page the file grows.
    if (this.walLimit < 0 || Math.abs(want - this.walLimit) > this.walLimit / 4) {
      this.db.pragma(`journal_size_limit = ${want}`);
      this.walLimit = want;
    }
    return want;
  }

  /** Bytes of WAL frames since the WAL last started over (estimated when the -shm cannot be read). */
  private walSize(): number {
    const frames = this.files.walFrames();
    return frames !== undefined ? frames * (this.pageSize + 24) : this.writtenSinceCheckpoint * 4;
  }

  // ---- reads ----

  /** Moves the reader's snapshot to the current (durable) state. */
  private pin(): void {
    if (this.reader === this.db) return;
    this.unpin();
    this.reader.exec('BEGIN');
    this.rstmts.getMeta.get('revision');
  }

  private unpin(): void {
    if (this.reader !== this.db && this.reader.inTransaction) this.reader.exec('COMMIT');
  }

  private read<T>(kind: string, fn: () => T): Promise<T> {
    const run = (resolve: (v: T) => void, reject: (e: unknown) => void) => {
      const failed = this.pipeline.failed;
      if (failed) return reject(failed);
      try {
        resolve(this.holds.time(kind, fn));
      } catch (e) {
        reject(e);
      }
    };
    return new Promise((resolve, reject) => {
      // `:memory:` has one connection: reads wait while a committed batch is not acknowledged.
      if (this.reader === this.db) this.pipeline.whenAcknowledged(() => run(resolve, reject));
      else run(resolve, reject);
    });
  }

  private expiry(key: string): number | null {
    for (const l of this.leases) if (key.startsWith(l.prefix)) return this.clock.now() + l.ttlMs;
    return null;
  }

  private logEvent(row: LogRow): StoreEvent {
    let prev: StoreEntry | undefined;
    if (row.prev_rev !== null) {
      const p = this.rstmts.logAt.get(row.prev_rev) as LogRow | undefined;
      if (p && p.value !== null) prev = { key: p.key, value: p.value, modRevision: p.rev, createRevision: p.create_rev };
    }
    const value = row.value ?? prev?.value;
    // Compaction keeps the previous revision of every delete it keeps, so this is a damaged file.
    if (value === undefined) throw new Error(`datastore: the value deleted at revision ${row.rev} (${row.key}) is missing`);
    return { type: row.deleted ? 'delete' : 'put', entry: { key: row.key, value, modRevision: row.rev, createRevision: row.create_rev }, prev, created: row.created === 1 };
  }
}

/** The smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}
