import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { startMaintenance } from './maintenance.js';
import { SqliteStore } from './SqliteStore.js';
import { tempDirs } from './testing.js';
import { StoreCompacted, type StoreEvent } from './types.js';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());
const HOUR = 3_600_000;

/** `n` writes, 50 at a time (one batch each): fast on a slow disk. */
async function inChunks(n: number, write: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => write(i + j)));
}

describe('leases (Event TTL)', () => {
  it('deletes an Event an hour after its last write, as a delete revision watchers see', async () => {
    const clock = new FakeClock();
    const s = new SqliteStore(join(tmp.make(), 'state.db'), { clock, leases: [{ prefix: '/registry/events/', ttlMs: HOUR }] });
    const m = startMaintenance(s, clock, silentLogger, { intervalMs: 60_000 });
    await s.create('/registry/events/default/a', 'a');
    await s.create('/registry/events/default/b', 'b');
    await s.create('/registry/pods/default/p', 'p');
    const seen: StoreEvent[] = [];
    s.watch('/registry/', s.currentRevision(), (e) => seen.push(e));
    await clock.advance(HOUR / 2);
    await s.update('/registry/events/default/b', 'b2'); // a write renews the lease
    await clock.advance(HOUR / 2 + 60_000);
    await m.run();
    expect(seen.map((e) => [e.type, e.entry.key])).toEqual([
      ['put', '/registry/events/default/b'],
      ['delete', '/registry/events/default/a'],
    ]);
    expect(seen[1]?.entry.value).toBe('a');
    await clock.advance(HOUR / 2 + 60_000);
    await m.run();
    expect(seen.at(-1)?.entry.key).toBe('/registry/events/default/b');
    expect((await s.list('/registry/')).items.map((e) => e.key)).toEqual(['/registry/pods/default/p']);
    m.dispose();
    s.close();
  });

  it('gives keys written before the lease existed a lease when the store opens', async () => {
    const clock = new FakeClock();
    const file = join(tmp.make(), 'state.db');
    const old = new SqliteStore(file, { clock });
    await old.create('/registry/events/default/old', 'x');
    old.close();
    const s = new SqliteStore(file, { clock, leases: [{ prefix: '/registry/events/', ttlMs: HOUR }] });
    expect(await s.expire(clock.now() + HOUR - 1)).toBe(0);
    expect(await s.expire(clock.now() + HOUR)).toBe(1);
    s.close();
  });
});

describe('compaction policy', () => {
  it('keeps five minutes of history, and at most maxHistoryRevisions of it', async () => {
    const clock = new FakeClock();
    const s = new SqliteStore(join(tmp.make(), 'state.db'), { clock });
    const m = startMaintenance(s, clock, silentLogger, { intervalMs: 60_000, historyMs: 5 * 60_000, maxHistoryRevisions: 50 });
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) await s.create(`/r/${s.currentRevision()}`, 'x');
    };
    await write(10); // revision 10 at t=0
    await m.run();
    await clock.advance(5 * 60_000);
    await write(10); // 20 at t=5 min
    await m.run();
    // The revision of five minutes ago (10) is compacted; a watcher from 10 still resumes.
    expect(s.compactedRevision()).toBe(10);
    expect(() => s.watch('/r/', 9, () => {})).toThrow(StoreCompacted);
    s.watch('/r/', 10, () => {}).dispose();
    await write(100); // a flood: 120
    await m.run();
    expect(s.compactedRevision()).toBe(70);
    m.dispose();
    s.close();
  });
});

describe('history accounting', () => {
  it('keeps the bytes of live values and of history exact through writes, compaction and a reopen', async () => {
    const file = join(tmp.make(), 'state.db');
    const s = new SqliteStore(file);
    await s.create('/r/a', 'aaaa');
    await s.update('/r/a', 'aaaaaaaa');
    await s.create('/r/b', 'bb');
    await s.delete('/r/b');
    await s.create('/r/c', 'é'); // two bytes
    // Counted from the file itself: live values, and every other value in the log.
    const scan = () => {
      const db = new Database(file, { readonly: true });
      const live = db.prepare('SELECT SUM(LENGTH(CAST(log.value AS BLOB))) FROM kv JOIN log ON log.rev = kv.mod_rev').pluck().get() as number;
      const all = db.prepare('SELECT SUM(LENGTH(CAST(value AS BLOB))) FROM log').pluck().get() as number;
      db.close();
      return { live, history: all - live };
    };
    expect([s.stats().liveBytes, s.stats().historyBytes]).toEqual([10, 6]);
    expect(scan()).toEqual({ live: 10, history: 6 });
    await s.compact(s.currentRevision());
    expect([s.stats().liveBytes, s.stats().historyBytes]).toEqual([10, 0]);
    s.close();
    const t = new SqliteStore(file);
    expect([t.stats().liveBytes, t.stats().historyBytes]).toEqual([10, 0]);
    t.close();
  });

  it('compacts sooner when history outgrows half the live data', async () => {
    const clock = new FakeClock();
    const s = new SqliteStore(join(tmp.make(), 'state.db'), { clock });
    const m = startMaintenance(s, clock, silentLogger, { historyMs: HOUR, maxHistoryFraction: 0.5 });
    for (let i = 0; i < 10; i++) await s.create(`/r/${i}`, 'x'.repeat(1000)); // 10 kB live
    for (let n = 0; n < 20; n++) await s.update('/r/0', 'y'.repeat(1000)); // 20 kB of history
    await m.run();
    // An hour of history would be kept, but only 5 kB of it fits: the oldest 15 updates go.
    expect(s.stats().historyBytes).toBeLessThanOrEqual(5000);
    expect(s.stats().historyBytes).toBeGreaterThan(3000);
    expect(s.compactedRevision()).toBe(10 + 15);
    m.dispose();
    s.close();
  });
});

describe('vacuum and WAL', () => {
  it('returns the pages of deleted data to the file system and empties an idle WAL', async () => {
    const clock = new FakeClock();
    const file = join(tmp.make(), 'state.db');
    const s = new SqliteStore(file, { clock });
    const m = startMaintenance(s, clock, silentLogger, { historyMs: 0, maxHistoryRevisions: 0 });
    const big = 'v'.repeat(8000);
    await inChunks(1000, (i) => s.create(`/r/${i}`, big));
    await s.checkpoint(true);
    const full = statSync(file).size;
    expect(full).toBeGreaterThan(8_000_000);
    await inChunks(1000, (i) => s.delete(`/r/${i}`));
    await s.create('/r/keep', 'k');
    await m.run(); // compacts everything, vacuums, checkpoints
    await m.run(); // idle: the WAL is emptied
    const shrunk = statSync(file).size;
    expect(shrunk).toBeLessThan(full / 10);
    expect(s.sizes().freePages).toBe(0);
    expect(statSync(`${file}-wal`).size).toBe(0);
    expect((await s.get('/r/keep'))?.value).toBe('k');
    m.dispose();
    s.close();
  });

  it('keeps the WAL under journal_size_limit while writing, instead of at its high-water mark', async () => {
    const file = join(tmp.make(), 'state.db');
    const s = new SqliteStore(file, { checkpointBytes: 256 << 10 });
    const v = 'w'.repeat(4000);
    let maxWal = 0;
    for (let i = 0; i < 4000; i += 50) {
      await inChunks(50, (j) => s.create(`/r/${i + j}`, v));
      maxWal = Math.max(maxWal, statSync(`${file}-wal`).size);
    }
    // 16 MB written; the WAL started over after each checkpoint and was cut back to 4 MiB.
    expect(maxWal).toBeLessThanOrEqual(4 << 20);
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(4 << 20);
    expect(readFileSync(file).length).toBeGreaterThan(10_000_000);
    s.close();
  });
});
