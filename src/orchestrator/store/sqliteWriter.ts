import Database from 'better-sqlite3';
import { prepareStatements, toEntry, type KvRow, type Statements } from './statements.js';
import { StoreConflict, StoreKeyExists, StoreNotFound, type StoreEntry } from './types.js';

export type WriteJob =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expected?: number }
  | { kind: 'delete'; key: string; expected?: number }
  /** Drops history in (lo, hi]: for each key the newest change at or below hi stays unless it is a delete (SqliteStore.compact). */
  | { kind: 'compact'; lo: number; hi: number };

/** A job as the writer applies it: a create or update carries its key's lease expiry (or null). */
export type WriteRequest = Exclude<WriteJob, { kind: 'create' | 'update' }> | (Extract<WriteJob, { kind: 'create' | 'update' }> & { expiresAt: number | null });

/**
 * What became of one job of a batch, small enough to pass between threads: a put's or delete's
 * revisions and previous entry (the new value is the job's own), a store error (`exists`,
 * `notFound`, `conflict`: the job failed its own check and wrote nothing), or a compaction done.
 */
export type Written =
  | { put: { modRevision: number; createRevision: number; created: boolean; prev?: StoreEntry } }
  | { deleted: { modRevision: number; prev: StoreEntry } }
  | { refused: { reason: 'exists' | 'notFound'; key: string } | { reason: 'conflict'; key: string; expected: number; actual: number } }
  | { compacted: true };

/** A committed batch: each job's outcome, and the store's totals after it. */
export interface CommitResult {
  written: Written[];
  revision: number;
  compacted: number;
  /** Bytes of live values, and of history compaction has not dropped yet. */
  liveBytes: number;
  historyBytes: number;
  /** Bytes this batch added to the WAL, about (values and keys). */
  walBytes: number;
  /** How long the transaction took. */
  ms: number;
  /** Set by the writer thread when it made the batch durable itself (fdatasync of the WAL, see writerThread.ts)... */
  synced?: true;
  /** ...or why it could not: the batch is written but not durable. */
  fsyncError?: { message: string; code?: string };
  /** The WAL's frames after this batch (see diskFiles.ts readWalFrames), read by the writer thread with `synced`. */
  walFrames?: number;
}

/** Work on the writer connection outside a batch (checkpoints, vacuum, a setting), never during one. */
export type WriterTask =
  | { op: 'checkpoint'; mode: 'PASSIVE' | 'TRUNCATE' }
  | { op: 'incrementalVacuum'; pages: number }
  | { op: 'vacuum' }
  | { op: 'journalSizeLimit'; bytes: number };

/** The store error a refused job stands for. */
export function refusal(r: Extract<Written, { refused: unknown }>['refused']): Error {
  if (r.reason === 'conflict') return new StoreConflict(r.key, r.expected, r.actual);
  return r.reason === 'exists' ? new StoreKeyExists(r.key) : new StoreNotFound(r.key);
}

/**
 * The datastore's writer: the one connection that changes the database. It applies batches (each
 * write with its own compare-and-swap check and revision, in one transaction) and runs checkpoints
 * and vacuums. It knows nothing of durability (synchronous=OFF; the store fsyncs) nor of watchers.
 * For a file it runs on its own thread (writerThread.ts), so the event loop does none of SQLite's
 * work on the write path; for `:memory:` it shares the store's only connection.
 */
export class SqliteWriter {
  private readonly stmts: Statements;
  private rev: number;
  private compacted: number;
  private live: number;
  private history: number;

  constructor(private readonly db: Database.Database) {
    this.stmts = prepareStatements(db);
    this.rev = this.meta('revision');
    this.compacted = this.meta('compacted');
    this.live = this.meta('live_bytes');
    this.history = this.meta('history_bytes');
  }

  /**
   * Opens a second connection to a prepared database file (schema.ts prepareDatabase ran on it):
   * the per-connection settings a writer needs, the rest is in the file.
   */
  static open(path: string): SqliteWriter {
    const db = new Database(path, { timeout: 0 });
    db.pragma('synchronous = OFF');
    db.pragma('wal_autocheckpoint = 0');
    db.pragma('secure_delete = FAST');
    return new SqliteWriter(db);
  }

  private meta(name: string): number {
    return this.stmts.getMeta.get(name) as number;
  }

  /** Applies `batch` in one transaction; throws (and writes nothing) if the transaction fails. */
  commit(batch: readonly WriteRequest[]): CommitResult {
    const t0 = performance.now();
    const written: Written[] = [];
    let rev = this.rev;
    let { live, history, compacted } = this;
    let walBytes = 0;
    this.db.transaction(() => {
      for (const job of batch) {
        if (job.kind === 'compact') {
          const freed = this.stmts.compactFreed.get(job.lo, job.hi) as number;
          this.stmts.compactSuperseded.run(job.lo, job.hi);
          this.stmts.compactTombstones.run(job.lo, job.hi);
          history -= freed;
          compacted = job.hi;
          this.stmts.setMeta.run(compacted, 'compacted');
          written.push({ compacted: true });
          continue;
        }
        const key = job.key;
        if (job.kind === 'create') {
          if (this.stmts.kvGet.get(key) !== undefined) {
            written.push({ refused: { reason: 'exists', key } });
            continue;
          }
          rev++;
          this.stmts.insertLog.run(rev, key, job.value, rev, null, 0, 1);
          this.stmts.insertKv.run(key, rev, rev, job.expiresAt);
          const n = Buffer.byteLength(job.value);
          live += n;
          walBytes += n + key.length;
          written.push({ put: { modRevision: rev, createRevision: rev, created: true } });
          continue;
        }
        const row = this.stmts.get.get(key) as KvRow | undefined;
        if (!row) {
          written.push({ refused: { reason: 'notFound', key } });
          continue;
        }
        const prev = toEntry(row);
        if (job.expected !== undefined && job.expected !== prev.modRevision) {
          written.push({ refused: { reason: 'conflict', key, expected: job.expected, actual: prev.modRevision } });
          continue;
        }
        rev++;
        const old = Buffer.byteLength(prev.value);
        // The previous value becomes history either way.
        history += old;
        if (job.kind === 'update') {
          this.stmts.insertLog.run(rev, key, job.value, prev.createRevision, prev.modRevision, 0, 0);
          this.stmts.updateKv.run(rev, job.expiresAt, key);
          const n = Buffer.byteLength(job.value);
          live += n - old;
          walBytes += n + key.length;
          written.push({ put: { modRevision: rev, createRevision: prev.createRevision, created: false, prev } });
        } else {
          this.stmts.insertLog.run(rev, key, null, prev.createRevision, prev.modRevision, 1, 0);
          this.stmts.deleteKv.run(key);
          live -= old;
          walBytes += key.length;
          written.push({ deleted: { modRevision: rev, prev } });
        }
      }
      if (rev !== this.rev) this.stmts.setMeta.run(rev, 'revision');
      if (live !== this.live || history !== this.history) {
        this.stmts.setMeta.run(live, 'live_bytes');
        this.stmts.setMeta.run(history, 'history_bytes');
      }
    })();
    // Committed: only now do the totals move (a failed transaction left them as they were).
    this.rev = rev;
    this.live = live;
    this.history = history;
    this.compacted = compacted;
    return { written, revision: rev, compacted, liveBytes: live, historyBytes: history, walBytes, ms: performance.now() - t0 };
  }

  run(task: WriterTask): void {
    switch (task.op) {
      case 'checkpoint':
        this.db.pragma(`wal_checkpoint(${task.mode})`);
        return;
      case 'incrementalVacuum':
        this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(task.pages))})`);
        return;
      case 'vacuum':
        this.db.exec('VACUUM');
        return;
      case 'journalSizeLimit':
        this.db.pragma(`journal_size_limit = ${Math.floor(task.bytes)}`);
        return;
    }
  }

  /** Closes the connection; with `fsync`, SQLite fsyncs the file as it checkpoints on close. */
  close(fsync: boolean): void {
    if (!this.db.open) return;
    if (fsync) this.db.pragma('synchronous = FULL');
    this.db.close();
  }
}
