import type Database from 'better-sqlite3';
import type { StoreEntry } from './types.js';

/** The prepared statements of SqliteStore, over the tables described in schema.ts. */
export function prepareStatements(db: Database.Database) {
  const live = 'SELECT kv.key AS key, log.value AS value, kv.mod_rev AS mod_rev, kv.create_rev AS create_rev FROM kv JOIN log ON log.rev = kv.mod_rev';
  return {
    getMeta: db.prepare('SELECT value FROM meta WHERE name = ?').pluck(),
    setMeta: db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
    get: db.prepare(`${live} WHERE kv.key = ?`),
    kvGet: db.prepare('SELECT mod_rev FROM kv WHERE key = ?').pluck(),
    list: db.prepare(`${live} WHERE kv.key >= ? AND kv.key < ? ORDER BY kv.key`),
    /** A page of a list: the first `limit` keys from (inclusive) or after (exclusive) a key. */
    listFrom: db.prepare(`${live} WHERE kv.key >= ? AND kv.key < ? ORDER BY kv.key LIMIT ?`),
    listAfter: db.prepare(`${live} WHERE kv.key > ? AND kv.key < ? ORDER BY kv.key LIMIT ?`),
    /** The keys in a range that changed in (lo, hi]. */
    changedKeys: db.prepare('SELECT DISTINCT key FROM log WHERE rev > ? AND rev <= ? AND key >= ? AND key < ?').pluck(),
    // Each key's first change after a revision: its state at that revision is the change's previous
    // row, or nothing when the change created it (SQLite takes the bare columns from the MIN row).
    firstChanges: db.prepare('SELECT key, MIN(rev) AS rev, prev_rev, created FROM log WHERE rev > ? AND rev <= ? AND key >= ? AND key < ? GROUP BY key'),
    count: db.prepare('SELECT COUNT(*) FROM kv WHERE key >= ? AND key < ?').pluck(),
    insertKv: db.prepare('INSERT INTO kv (key, mod_rev, create_rev, expires_at) VALUES (?, ?, ?, ?)'),
    updateKv: db.prepare('UPDATE kv SET mod_rev = ?, expires_at = ? WHERE key = ?'),
    deleteKv: db.prepare('DELETE FROM kv WHERE key = ?'),
    insertLog: db.prepare('INSERT INTO log (rev, key, value, create_rev, prev_rev, deleted, created) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    replay: db.prepare(
      'SELECT rev, key, value, create_rev, prev_rev, deleted, created FROM log WHERE rev > ? AND rev <= ? AND key >= ? AND key < ? ORDER BY rev',
    ),
    logAt: db.prepare('SELECT rev, key, value, create_rev, prev_rev, deleted, created FROM log WHERE rev = ?'),
    // A change in (lo, hi] makes its predecessor history; deletes in (lo, hi] go with it.
    compactSuperseded: db.prepare('DELETE FROM log WHERE rev IN (SELECT prev_rev FROM log WHERE rev > ? AND rev <= ? AND prev_rev IS NOT NULL)'),
    compactTombstones: db.prepare('DELETE FROM log WHERE rev > ? AND rev <= ? AND deleted = 1'),
    /** The bytes compactSuperseded frees. */
    compactFreed: db
      .prepare('SELECT COALESCE(SUM(LENGTH(CAST(value AS BLOB))), 0) FROM log WHERE rev IN (SELECT prev_rev FROM log WHERE rev > ? AND rev <= ? AND prev_rev IS NOT NULL)')
      .pluck(),
    /** Oldest first after a revision: the bytes of history that compacting past each change frees. */
    historyFreed: db.prepare(
      'SELECT l.rev AS rev, COALESCE(LENGTH(CAST(p.value AS BLOB)), 0) AS n FROM log l JOIN log p ON p.rev = l.prev_rev WHERE l.rev > ? ORDER BY l.rev LIMIT ?',
    ),
    due: db.prepare('SELECT key, mod_rev FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?'),
    liveBytes: db.prepare('SELECT COUNT(*) AS keys, SUM(LENGTH(CAST(kv.key AS BLOB)) + LENGTH(CAST(log.value AS BLOB))) AS bytes FROM kv JOIN log ON log.rev = kv.mod_rev'),
    logRows: db.prepare('SELECT COUNT(*) AS rows, SUM(LENGTH(CAST(key AS BLOB)) + COALESCE(LENGTH(CAST(value AS BLOB)), 0)) AS bytes FROM log'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export interface KvRow {
  key: string;
  value: string;
  mod_rev: number;
  create_rev: number;
}

export interface LogRow {
  rev: number;
  key: string;
  /** NULL for a delete: its value is the previous revision's. */
  value: string | null;
  create_rev: number;
  prev_rev: number | null;
  deleted: number;
  created: number;
}

export function toEntry(r: KvRow): StoreEntry {
  return { key: r.key, value: r.value, modRevision: r.mod_rev, createRevision: r.create_rev };
}
