import { statfsSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Logger } from '../util/logger.js';

/**
 * The store's tables, schema version 2 (`PRAGMA user_version`):
 *
 * - `log`: every change by revision. A put holds its value; a delete holds NULL (its value is the
 *   previous revision's, `prev_rev`). The live value of a key is the log row at its `mod_rev`, so it
 *   is stored once. Compaction keeps, for each key, the newest row at or below the compacted
 *   revision (the `prev` of later events), as etcd does.
 * - `kv`: the live keys, pointing at their log row; `expires_at` (ms since the epoch) for keys
 *   written with a lease (Events).
 * - `meta`: the current and the compacted revision; the bytes of live values and of history.
 *
 * Version 1 (the first slice) kept each live value twice (kv and log) and deletes' values; the
 * migration moves it to version 2 in one transaction.
 */
export const SCHEMA_VERSION = 2;

const CREATE = `
  CREATE TABLE IF NOT EXISTS log (
    rev INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    value TEXT,
    create_rev INTEGER NOT NULL,
    prev_rev INTEGER,
    deleted INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    mod_rev INTEGER NOT NULL,
    create_rev INTEGER NOT NULL,
    expires_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
  -- Bytes of live values and of history values, kept current by every batch; -1: to be counted.
  INSERT OR IGNORE INTO meta (name, value) VALUES ('live_bytes', -1), ('history_bytes', -1);
`;

/** Version 1 -> 2: values only in the log, deletes without a value, no (key, rev) index. */
const MIGRATE_1_TO_2 = `
  CREATE TABLE kv2 (
    key TEXT PRIMARY KEY,
    mod_rev INTEGER NOT NULL,
    create_rev INTEGER NOT NULL,
    expires_at INTEGER
  ) WITHOUT ROWID;
  INSERT INTO kv2 (key, mod_rev, create_rev) SELECT key, mod_rev, create_rev FROM kv;
  -- Version 1 compaction kept every live row in the log; this only guards against a damaged file.
  INSERT OR REPLACE INTO log (rev, key, value, create_rev, prev_rev, deleted, created)
    SELECT kv.mod_rev, kv.key, kv.value, kv.create_rev, log.prev_rev, 0, COALESCE(log.created, 0)
    FROM kv LEFT JOIN log ON log.rev = kv.mod_rev
    WHERE log.rev IS NULL OR log.key IS NOT kv.key OR log.value IS NOT kv.value;
  -- A delete's value is its previous revision's, where version 1 compaction kept that one.
  UPDATE log SET value = NULL WHERE deleted = 1 AND prev_rev IN (SELECT rev FROM log);
  DROP TABLE kv;
  ALTER TABLE kv2 RENAME TO kv;
  DROP INDEX IF EXISTS log_key;
  CREATE INDEX kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
`;

/**
 * Prepares a freshly opened database: pragmas, tables, migrations, and (once) the switch of an
 * existing file to incremental auto-vacuum.
 *
 * Durability is the store's job, not SQLite's: `synchronous=OFF` so a commit never fsyncs on the
 * event loop; the store fsyncs the WAL itself (off the loop) before it acknowledges a write, and the
 * database file after each checkpoint before the WAL may be reused. `wal_autocheckpoint=0` for the
 * same reason: the store checkpoints at moments it chooses (and sets `journal_size_limit`).
 * `secure_delete=FAST` zeroes deleted content inside the pages a write touches anyway (old Secret
 * values do not linger in live pages).
 */
export function prepareDatabase(db: Database.Database, path: string, log: Logger): void {
  const inMemory = path === ':memory:';
  const fresh = !tableExists(db, 'meta');
  // auto_vacuum must be chosen before the first table; an existing file switches with VACUUM below.
  if (fresh) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('secure_delete = FAST');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (!fresh && version < 2) {
    log.info('migrating the datastore to schema version 2 (values stored once)', { from: version });
    db.transaction(() => {
      db.exec(MIGRATE_1_TO_2);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  } else if (version > SCHEMA_VERSION) {
    throw new Error(`${path} has datastore schema version ${version}, newer than this Skiff understands (${SCHEMA_VERSION}); use a newer Skiff`);
  }
  db.exec(CREATE);
  if (fresh) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  if (!inMemory && (db.pragma('auto_vacuum', { simple: true }) as number) !== 2) convertToIncrementalVacuum(db, path, log);
}

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * A one-time rewrite of a file made without incremental auto-vacuum (SQLite can only switch with a
 * VACUUM). VACUUM is one transaction: interrupted, the file stays as it was. It needs free space
 * for a copy of the database (in the WAL); without it, the switch waits for a later start.
 */
function convertToIncrementalVacuum(db: Database.Database, path: string, log: Logger): void {
  // Full and incremental auto-vacuum switch freely; only "none" needs the rewrite.
  if ((db.pragma('auto_vacuum', { simple: true }) as number) === 1) {
    db.pragma('auto_vacuum = INCREMENTAL');
    return;
  }
  const size = statSync(path).size;
  const { bavail, bsize } = statfsSync(path);
  if (bavail * bsize < size * 2 + (64 << 20)) {
    log.warn('not enough free disk space to switch the datastore to incremental vacuum; will retry on the next start', { size });
    return;
  }
  log.info('switching the datastore to incremental vacuum (one time)', { bytes: size });
  const t0 = performance.now();
  db.pragma('auto_vacuum = INCREMENTAL');
  // With synchronous=OFF SQLite would not fsync the rewritten file; this one statement runs FULL.
  db.pragma('synchronous = FULL');
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('synchronous = OFF');
  log.info('datastore switched to incremental vacuum', { bytes: statSync(path).size, ms: Math.round(performance.now() - t0) });
}
