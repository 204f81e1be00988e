import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { CommitPipeline, type AloneJob, type BatchJob, type CommitHost, type Outcome } from './CommitPipeline.js';
import { DiskFiles, FsyncFailed } from './diskFiles.js';
import { HoldStats, type HoldSummary } from './holdStats.js';
import { listChunk, listInPages, type ListChunk, type ListReader } from './listPages.js';
import { prepareDatabase } from './schema.js';
import { prepareStatements, toEntry, type KvRow, type LogRow, type Statements } from './statements.js';
import type { Disposable } from '../util/disposable.js';
import { StoreCompacted, StoreConflict, StoreNotFound, type Store, type StoreEntry, type StoreEvent } from './types.js';
import { refusal, SqliteWriter, type CommitResult, type WriteRequest, type WriterTask } from './sqliteWriter.js';
import { InlineWriter, ThreadWriter, type Writer } from './writers.js';

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
 * compare-and-swap check and revision) on the writer's thread (sqliteWriter.ts, writers.ts), then
 * makes the WAL durable with fdatasync on libuv's thread pool, so the event loop neither waits for
 * the disk nor does SQLite's work. Only then are the writes acknowledged and fanned
 * out to watchers, in revision order; meanwhile the next batch gathers. Reads go to a second
 * connection pinned to the last durable state, so nothing is ever read, listed or watched that
 * `kill -9` or a power cut could take back, and no read waits for the disk. The database file is
 * checkpointed from the WAL at moments the store picks, and fsynced (again off the loop) before the
 * WAL is reused.
 *
 * The queue, batching, acknowledgement and fan-out are CommitPipeline.ts; this class is its host (the
 * writer, the fsync, the reader's snapshot, checkpoints). Tables and migrations: schema.ts.
 * A watch registered at revision R sees exactly the changes after R.
 */
export class SqliteStore implements Store {
  /**
   * The writer (sqliteWriter.ts): batches, compare-and-swap checks, checkpoints, vacuum. For a file
   * it has its own connection on its own thread; for `:memory:` it shares the reader's.
   */
  private readonly writer: Writer;
  private open = true;
  /**
   * The reader: a connection holding a read transaction open on the last durable state (re-pinned
   * after each batch). For `:memory:` (one connection per database) it is the writer's, and reads
   * wait while a batch is not acknowledged.
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
  /** How the writer thread's fsync of the last committed batch went, when it did it (see `commitHost().sync`). */
  private walSynced: true | { message: string; code?: string } | undefined;
  /** The WAL's frames after the last batch, as the writer thread read them (undefined: read them here). */
  private walFramesAfterBatch: number | undefined;
  /** The WAL size that calls for a checkpoint; the database file changes only at checkpoints (and vacuum), so it is worked out again only after those. */
  private checkpointAt: number;
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
    // No busy waiting: only the writer writes, and a lock that is busy would stay busy.
    // This connection prepares the file (schema, migrations, byte totals, leases); for `:memory:` it stays the only one.
    const db = new Database(path, { timeout: 0 });
    try {
      prepareDatabase(db, path, this.log);
    } catch (e) {
      db.close();
      throw e;
    }
    const stmts = prepareStatements(db);
    this.rev = stmts.getMeta.get('revision') as number;
    this.compacted = stmts.getMeta.get('compacted') as number;
    this.bytes = countBytes(db, stmts);
    this.leaseExisting(db);
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    if (inMemory) {
      this.reader = db;
      this.rstmts = stmts;
      this.files = DiskFiles.none();
      this.writer = new InlineWriter(new SqliteWriter(db));
    } else {
      this.reader = new Database(path, { timeout: 0, readonly: true });
      this.rstmts = prepareStatements(this.reader);
      this.pin();
      this.files = DiskFiles.open(path, opts.syncFile);
      // The reader keeps the WAL open (this is not the last connection), and the writer thread opens its own.
      db.close();
      // The thread fsyncs the WAL after each batch itself, unless a test stands in for the disk (`syncFile`).
      this.writer = new ThreadWriter(path, !opts.syncFile);
    }
    this.checkpointAt = this.checkpointThreshold();
    this.pipeline = new CommitPipeline(this.commitHost(), this.log);
  }

  /** Keys under a lease prefix written before the lease existed (or by an older Skiff) get one now. */
  private leaseExisting(db: Database.Database): void {
    for (const l of this.leases) {
      db.prepare('UPDATE kv SET expires_at = ? WHERE key >= ? AND key < ? AND expires_at IS NULL').run(this.clock.now() + l.ttlMs, l.prefix, prefixEnd(l.prefix));
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
        // The writer drops the rows and moves the compacted revision and byte totals (see commitBatch).
        await this.pipeline.enqueue({ kind: 'compact', lo, hi });
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
    await this.onWriter('checkpoint', { op: 'checkpoint', mode: 'PASSIVE' });
    this.writtenSinceCheckpoint = 0;
    await this.files.sync('db');
    if (truncate) await this.onWriter('checkpoint', { op: 'checkpoint', mode: 'TRUNCATE' });
  }

  /** Runs a task on the writer, counted in the hold statistics when it runs on the event loop's thread. */
  private async onWriter(label: string, task: WriterTask): Promise<void> {
    const t0 = performance.now();
    try {
      await this.writer.run(task);
    } finally {
      if (this.writer.onLoop) this.holds.record(label, performance.now() - t0);
    }
  }

  /** Returns up to `pages` free pages to the file system (the file shrinks at the next checkpoint). */
  async vacuumStep(pages: number): Promise<void> {
    await this.pipeline.enqueue({
      kind: 'alone',
      label: 'vacuum',
      run: async () => {
        await this.onWriter('vacuum', { op: 'incrementalVacuum', pages });
        await this.files.sync('wal');
      },
    });
  }

  /**
   * Rewrites the whole file (no free pages, no old content left in any page), then empties the WAL.
   * No other write runs meanwhile (on a file it runs on the writer's thread; for `:memory:` it holds
   * the event loop): for start-up and one-time migrations only.
   */
  async vacuumFull(): Promise<void> {
    await this.pipeline.enqueue({
      kind: 'alone',
      label: 'vacuum-full',
      run: async () => {
        await this.onWriter('vacuum-full', { op: 'vacuum' });
        await this.files.sync('wal');
        await this.checkpointJob(true);
      },
    });
  }

  /** Sizes for maintenance decisions and benchmarks. */
  sizes(): StoreSizes {
    // From the reader: the last durable state's.
    const pageCount = this.reader.pragma('page_count', { simple: true }) as number;
    const freePages = this.reader.pragma('freelist_count', { simple: true }) as number;
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
    if (!this.open) return;
    this.open = false;
    this.pipeline.close(new Error('the datastore is closed'));
    // The writer's connection closes last: SQLite checkpoints and removes the WAL as the last
    // connection closes, and with fsync it makes the file durable first. A batch it was applying
    // is finished and answered before close returns.
    if (!this.writer.onLoop) this.reader.close();
    this.writer.close(true);
    this.files.close();
  }

  // ---- the write path ----

  /** The pipeline's view of this database: it calls these one at a time, never two batches at once. */
  private commitHost(): CommitHost {
    return {
      isOpen: () => this.open,
      commit: (batch) => this.commitBatch(batch),
      sync: () => {
        const done = this.walSynced;
        this.walSynced = undefined;
        if (done === undefined) return this.files.sync('wal');
        return done === true ? Promise.resolve() : Promise.reject(new FsyncFailed(Object.assign(new Error(done.message), { code: done.code })));
      },
      // Closed meanwhile: close() checkpointed with fsync, so the batch is durable; nobody watches.
      durable: () => {
        if (this.open) this.pin();
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
        this.walFramesAfterBatch = undefined;
        this.checkpointAt = this.checkpointThreshold();
        if (job.label === 'checkpoint') this.checkpointQueued = false;
      },
    };
  }

  /** One batch in one transaction, by the writer: each write with its own compare-and-swap check and revision. */
  private async commitBatch(batch: readonly BatchJob[]): Promise<Outcome[]> {
    // Data only (they may cross to the writer's thread): no settle functions.
    const requests = batch.map((job): WriteRequest => {
      switch (job.kind) {
        case 'create':
          return { kind: 'create', key: job.key, value: job.value, expiresAt: this.expiry(job.key) };
        case 'update':
          return { kind: 'update', key: job.key, value: job.value, expected: job.expected, expiresAt: this.expiry(job.key) };
        case 'delete':
          return { kind: 'delete', key: job.key, expected: job.expected };
        case 'compact':
          return { kind: 'compact', lo: job.lo, hi: job.hi };
      }
    });
    let result: CommitResult;
    try {
      result = await this.writer.commit(requests);
    } catch (e) {
      this.log.error('a datastore batch failed; none of its writes were made', { writes: batch.length, error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    this.holds.record(this.writer.onLoop ? 'commit' : 'commit (writer thread)', result.ms);
    this.bytes.live = result.liveBytes;
    this.bytes.history = result.historyBytes;
    this.compacted = result.compacted;
    this.writtenSinceCheckpoint += result.walBytes;
    this.walSynced = result.synced ?? result.fsyncError;
    this.walFramesAfterBatch = result.walFrames;
    return batch.map((job, i): Outcome => {
      const w = result.written[i];
      if (!w) throw new Error('the datastore writer answered fewer jobs than it was sent');
      if ('refused' in w) return { error: refusal(w.refused) };
      if ('compacted' in w) return { done: true };
      if ('deleted' in w) {
        const { modRevision, prev } = w.deleted;
        return { event: { type: 'delete', entry: { ...prev, modRevision }, prev, created: false } };
      }
      const { key, value } = job as { key: string; value: string };
      const { modRevision, createRevision, created, prev } = w.put;
      return { event: { type: 'put', entry: { key, value, modRevision, createRevision }, prev, created } };
    });
  }

  /** A checkpoint, once the WAL has grown past the threshold (one at a time). */
  private dueCheckpoint(): AloneJob | undefined {
    if (!this.files.onDisk || this.checkpointQueued || this.walSize() < this.checkpointAt) return undefined;
    this.checkpointQueued = true;
    return { kind: 'alone', label: 'checkpoint', run: () => this.checkpointJob(false) };
  }

  /** The WAL size that calls for a checkpoint; also kept as `journal_size_limit`. */
  private checkpointThreshold(): number {
    const want = this.checkpointBytes ?? Math.min(4 << 20, Math.max(256 << 10, Math.floor(this.files.dbBytes() / 16)));
    // Re-set only on a real change (a quarter), not on every page the file grows.
    if (this.walLimit < 0 || Math.abs(want - this.walLimit) > this.walLimit / 4) {
      // Between two batches on the writer, whenever it gets there: a setting for when the WAL starts over.
      this.writer.run({ op: 'journalSizeLimit', bytes: want }).catch(() => {});
      this.walLimit = want;
    }
    return want;
  }

  /** Bytes of WAL frames since the WAL last started over (estimated when the -shm cannot be read). */
  private walSize(): number {
    const frames = this.walFramesAfterBatch ?? this.files.walFrames();
    return frames !== undefined ? frames * (this.pageSize + 24) : this.writtenSinceCheckpoint * 4;
  }

  // ---- reads ----

  /** Moves the reader's snapshot to the current (durable) state. */
  private pin(): void {
    if (!this.reader.readonly) return;
    this.unpin();
    this.reader.exec('BEGIN');
    this.rstmts.getMeta.get('revision');
  }

  private unpin(): void {
    if (this.reader.readonly && this.reader.inTransaction) this.reader.exec('COMMIT');
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
      if (!this.reader.readonly) this.pipeline.whenAcknowledged(() => run(resolve, reject));
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

/** The byte totals, counted once when a file does not have them yet (new, or from an older Skiff). */
function countBytes(db: Database.Database, stmts: Statements): { live: number; history: number } {
  let live = stmts.getMeta.get('live_bytes') as number;
  let history = stmts.getMeta.get('history_bytes') as number;
  if (live < 0 || history < 0) {
    live = db.prepare('SELECT COALESCE(SUM(LENGTH(CAST(log.value AS BLOB))), 0) FROM kv JOIN log ON log.rev = kv.mod_rev').pluck().get() as number;
    history = (db.prepare('SELECT COALESCE(SUM(LENGTH(CAST(value AS BLOB))), 0) FROM log').pluck().get() as number) - live;
    db.transaction(() => {
      stmts.setMeta.run(live, 'live_bytes');
      stmts.setMeta.run(history, 'history_bytes');
    })();
  }
  return { live, history };
}
