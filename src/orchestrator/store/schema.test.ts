import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './SqliteStore.js';
import { tempDirs } from './testing.js';
import type { StoreEvent } from './types.js';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

/** A state.db as the first slice's store wrote it (schema version 0: values in kv and log, no auto_vacuum). */
function writeVersion1(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, mod_rev INTEGER NOT NULL, create_rev INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL, create_rev INTEGER NOT NULL, prev_rev INTEGER,
      deleted INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX log_key ON log (key, rev);
    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta VALUES ('revision', 6), ('compacted', 2);
    -- /r/a: created 1, updated 3; /r/b: created 2 (compacted away), deleted 4; /r/c: created 5, updated 6.
    INSERT INTO log VALUES (3, '/r/a', 'a2', 1, 1, 0, 0), (4, '/r/b', 'b1', 2, 2, 1, 0), (5, '/r/c', 'c1', 5, NULL, 0, 1), (6, '/r/c', 'c2', 5, 5, 0, 0);
    INSERT INTO log VALUES (1, '/r/a', 'a1', 1, NULL, 0, 1);
    INSERT INTO kv VALUES ('/r/a', 'a2', 3, 1), ('/r/c', 'c2', 6, 5);
  `);
  db.close();
}

describe('schema migration', () => {
  it('moves a first-slice state.db to version 2 and incremental vacuum, losing no value or history', async () => {
    const file = join(tmp.make(), 'state.db');
    writeVersion1(file);
    const s = new SqliteStore(file);
    expect([s.currentRevision(), s.compactedRevision()]).toEqual([6, 2]);
    expect((await s.list('/r/')).items.map((e) => [e.key, e.value, e.modRevision, e.createRevision])).toEqual([
      ['/r/a', 'a2', 3, 1],
      ['/r/c', 'c2', 6, 5],
    ]);
    const seen: StoreEvent[] = [];
    s.watch('/r/', 2, (e) => seen.push(e)).dispose();
    expect(seen.map((e) => [e.type, e.entry.key, e.entry.value, e.prev?.value ?? null])).toEqual([
      ['put', '/r/a', 'a2', 'a1'],
      // The deleted value whose previous revision was compacted stays in the delete's own row.
      ['delete', '/r/b', 'b1', null],
      ['put', '/r/c', 'c1', null],
      ['put', '/r/c', 'c2', 'c1'],
    ]);
    expect((await s.update('/r/a', 'a3', 3)).modRevision).toBe(7);
    s.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'log_key'").get()).toBeUndefined();
    db.close();
  });

  it('refuses a file from a newer Skiff with a clear error', () => {
    const file = join(tmp.make(), 'state.db');
    new SqliteStore(file).close();
    const db = new Database(file);
    db.pragma('user_version = 9');
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/schema version 9, newer than this Skiff understands \(2\)/);
  });
});
