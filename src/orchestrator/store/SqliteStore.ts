import type { Disposable } from '../util/disposable.js';
import Database from 'better-sqlite3';
import {
  StoreCompacted,
  StoreConflict,
  StoreKeyExists,
  StoreNotFound,
  type Store,
  type StoreEntry,
  type StoreEvent,
} from './types.js';

/**
 * The embedded datastore: SQLite through better-sqlite3, in WAL mode with `synchronous=FULL`, so a
 * write is on disk before it is acknowledged.
 *
 * Two tables: `kv` holds the live value of each key (fast lists), `log` holds every change by
 * revision (watch replay). Both are written in one transaction per change. better-sqlite3 is
 * synchronous, so a write, its revision and the fan-out to watchers happen in one turn of the event
 * loop: a watch registered at revision R sees exactly the changes after R.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private rev: number;
  private compacted: number;
  private readonly watchers = new Set<{ prefix: string; handler: (e: StoreEvent) => void }>();
  private readonly stmts: ReturnType<SqliteStore['prepare']>;

  /** `path` is a file, or `:memory:` for unit tests. */
  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        mod_rev INTEGER NOT NULL,
        create_rev INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS log (
        rev INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        create_rev INTEGER NOT NULL,
        prev_rev INTEGER,
        deleted INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS log_key ON log (key, rev);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
    `);
    this.stmts = this.prepare();
    this.rev = (this.stmts.getMeta.get('revision') as { value: number }).value;
    this.compacted = (this.stmts.getMeta.get('compacted') as { value: number }).value;
  }

  private prepare() {
    const db = this.db;
    return {
      getMeta: db.prepare('SELECT value FROM meta WHERE name = ?'),
      setMeta: db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
      get: db.prepare('SELECT key, value, mod_rev, create_rev FROM kv WHERE key = ?'),
      list: db.prepare('SELECT key, value, mod_rev, create_rev FROM kv WHERE key >= ? AND key < ? ORDER BY key'),
      count: db.prepare('SELECT COUNT(*) AS n FROM kv WHERE key >= ? AND key < ?'),
      insertKv: db.prepare('INSERT INTO kv (key, value, mod_rev, create_rev) VALUES (?, ?, ?, ?)'),
      updateKv: db.prepare('UPDATE kv SET value = ?, mod_rev = ? WHERE key = ?'),
      deleteKv: db.prepare('DELETE FROM kv WHERE key = ?'),
      insertLog: db.prepare(
        'INSERT INTO log (rev, key, value, create_rev, prev_rev, deleted, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      replay: db.prepare(
        'SELECT rev, key, value, create_rev, prev_rev, deleted, created FROM log WHERE rev > ? AND key >= ? AND key < ? ORDER BY rev',
      ),
      logAt: db.prepare('SELECT rev, key, value, create_rev FROM log WHERE rev = ?'),
      compact: db.prepare('DELETE FROM log WHERE rev <= ? AND rev NOT IN (SELECT mod_rev FROM kv)'),
    };
  }

  currentRevision(): number {
    return this.rev;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  async get(key: string): Promise<StoreEntry | undefined> {
    return this.getSync(key);
  }

  private getSync(key: string): StoreEntry | undefined {
    const row = this.stmts.get.get(key) as KvRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  async list(prefix: string): Promise<{ items: StoreEntry[]; revision: number }> {
    const rows = this.stmts.list.all(prefix, prefixEnd(prefix)) as KvRow[];
    return { items: rows.map(toEntry), revision: this.rev };
  }

  async count(prefix: string): Promise<number> {
    return (this.stmts.count.get(prefix, prefixEnd(prefix)) as { n: number }).n;
  }

  async create(key: string, value: string): Promise<StoreEntry> {
    const event = this.db.transaction((): StoreEvent => {
      if (this.getSync(key)) throw new StoreKeyExists(key);
      const rev = this.rev + 1;
      this.stmts.insertKv.run(key, value, rev, rev);
      this.stmts.insertLog.run(rev, key, value, rev, null, 0, 1);
      this.stmts.setMeta.run(rev, 'revision');
      return { type: 'put', entry: { key, value, modRevision: rev, createRevision: rev }, created: true };
    })();
    return this.commit(event);
  }

  async update(key: string, value: string, expectedRevision?: number): Promise<StoreEntry> {
    const event = this.db.transaction((): StoreEvent => {
      const prev = this.getSync(key);
      if (!prev) throw new StoreNotFound(key);
      if (expectedRevision !== undefined && expectedRevision !== prev.modRevision) {
        throw new StoreConflict(key, expectedRevision, prev.modRevision);
      }
      const rev = this.rev + 1;
      this.stmts.updateKv.run(value, rev, key);
      this.stmts.insertLog.run(rev, key, value, prev.createRevision, prev.modRevision, 0, 0);
      this.stmts.setMeta.run(rev, 'revision');
      return {
        type: 'put',
        entry: { key, value, modRevision: rev, createRevision: prev.createRevision },
        prev,
        created: false,
      };
    })();
    return this.commit(event);
  }

  async delete(key: string, expectedRevision?: number): Promise<StoreEntry> {
    const event = this.db.transaction((): StoreEvent => {
      const prev = this.getSync(key);
      if (!prev) throw new StoreNotFound(key);
      if (expectedRevision !== undefined && expectedRevision !== prev.modRevision) {
        throw new StoreConflict(key, expectedRevision, prev.modRevision);
      }
      const rev = this.rev + 1;
      this.stmts.deleteKv.run(key);
      this.stmts.insertLog.run(rev, key, prev.value, prev.createRevision, prev.modRevision, 1, 0);
      this.stmts.setMeta.run(rev, 'revision');
      return { type: 'delete', entry: { ...prev, modRevision: rev }, prev, created: false };
    })();
    return this.commit(event);
  }

  /** Runs after the transaction committed: advance the in-memory revision and fan out. */
  private commit(event: StoreEvent): StoreEntry {
    this.rev = event.entry.modRevision;
    for (const w of this.watchers) {
      if (event.entry.key.startsWith(w.prefix)) w.handler(event);
    }
    return event.entry;
  }

  watch(prefix: string, fromRevision: number, handler: (event: StoreEvent) => void): Disposable {
    if (fromRevision < this.compacted) throw new StoreCompacted(fromRevision, this.compacted);
    if (fromRevision < this.rev) {
      const rows = this.stmts.replay.all(fromRevision, prefix, prefixEnd(prefix)) as LogRow[];
      for (const row of rows) handler(this.logEvent(row));
    }
    const w = { prefix, handler };
    this.watchers.add(w);
    return { dispose: () => this.watchers.delete(w) };
  }

  private logEvent(row: LogRow): StoreEvent {
    const entry: StoreEntry = { key: row.key, value: row.value, modRevision: row.rev, createRevision: row.create_rev };
    let prev: StoreEntry | undefined;
    if (row.prev_rev !== null) {
      const p = this.stmts.logAt.get(row.prev_rev) as LogRow | undefined;
      if (p) prev = { key: p.key, value: p.value, modRevision: p.rev, createRevision: p.create_rev };
    }
    return { type: row.deleted ? 'delete' : 'put', entry, prev, created: row.created === 1 };
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, this.rev);
    if (target <= this.compacted) return;
    this.db.transaction(() => {
      this.stmts.compact.run(target);
      this.stmts.setMeta.run(target, 'compacted');
    })();
    this.compacted = target;
  }

  close(): void {
    this.watchers.clear();
    if (this.db.open) this.db.close();
  }
}

interface KvRow {
  key: string;
  value: string;
  mod_rev: number;
  create_rev: number;
}
interface LogRow {
  rev: number;
  key: string;
  value: string;
  create_rev: number;
  prev_rev: number | null;
  deleted: number;
  created: number;
}

function toEntry(r: KvRow): StoreEntry {
  return { key: r.key, value: r.value, modRevision: r.mod_rev, createRevision: r.create_rev };
}

/** The smallest string greater than every string starting with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}
