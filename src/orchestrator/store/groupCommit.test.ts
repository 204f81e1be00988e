import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './SqliteStore.js';
import { eventually } from '../testing/eventually.js';
import { gate, tempDirs } from './testing.js';
import { StoreConflict, StoreKeyExists, type StoreEvent } from './types.js';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

describe('SqliteStore group commit', () => {
  it('commits writes issued together in one batch, each with its own revision and its own error', async () => {
    const s = new SqliteStore(join(tmp.make(), 'state.db'));
    await s.create('/r/x', 'x');
    const before = s.stats().batches;
    const results = await Promise.allSettled([
      s.create('/r/a', '1'),
      s.create('/r/x', 'dup'),
      s.update('/r/x', 'stale', 999),
      s.create('/r/b', '2'),
      s.update('/r/x', 'y', 1),
    ]);
    expect(s.stats().batches - before).toBe(1);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.modRevision : (r.reason as Error).constructor.name))).toEqual([
      2,
      StoreKeyExists.name,
      StoreConflict.name,
      3,
      4,
    ]);
    expect((await s.get('/r/x'))?.value).toBe('y');
    s.close();
  });

  it('caps a batch at 128 writes or 1 MiB, so one batch never holds the event loop long', async () => {
    const s = new SqliteStore(join(tmp.make(), 'state.db'));
    let before = s.stats().batches;
    await Promise.all(Array.from({ length: 300 }, (_, i) => s.create(`/r/small-${i}`, 'x')));
    expect(s.stats().batches - before).toBe(3);
    before = s.stats().batches;
    await Promise.all(Array.from({ length: 8 }, (_, i) => s.create(`/r/big-${i}`, 'y'.repeat(300_000))));
    expect(s.stats().batches - before).toBe(2);
    s.close();
  });

  it('acknowledges, fans out and shows a write only once the WAL fsync returned', async () => {
    const held = gate();
    let syncs = 0;
    const s = new SqliteStore(join(tmp.make(), 'state.db'), {
      syncFile: async () => {
        syncs++;
        await held.promise;
      },
    });
    const seen: StoreEvent[] = [];
    s.watch('/r/', 0, (e) => seen.push(e));
    let acked = false;
    const p = s.create('/r/a', '1').then((e) => {
      acked = true;
      return e;
    });
    // The batch is applied on the writer's thread, then its fsync starts.
    await eventually('the first batch waits for its fsync', async () => syncs === 1, 10_000, 5);
    expect(acked).toBe(false);
    expect(seen).toEqual([]);
    // Reads do not wait for the disk, and do not see what is not durable yet.
    expect(await s.get('/r/a')).toBeUndefined();
    expect((await s.list('/r/')).revision).toBe(0);
    expect(s.currentRevision()).toBe(0);
    // Writes arriving meanwhile gather into the next batch.
    const q = [s.create('/r/b', '2'), s.create('/r/c', '3')];
    held.open();
    expect((await p).modRevision).toBe(1);
    expect((await Promise.all(q)).map((e) => e.modRevision)).toEqual([2, 3]);
    expect(seen.map((e) => e.entry.modRevision)).toEqual([1, 2, 3]);
    expect(syncs).toBe(2);
    const l = await s.list('/r/');
    expect([l.revision, l.items.length]).toEqual([3, 3]);
    s.close();
  });

  it('stops and says so when the disk refuses an fsync: no write is acknowledged after that', async () => {
    let fail = false;
    const s = new SqliteStore(join(tmp.make(), 'state.db'), {
      syncFile: async () => {
        if (fail) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      },
    });
    await s.create('/r/a', '1');
    expect(s.health()).toBeUndefined();
    fail = true;
    await expect(s.create('/r/b', '2')).rejects.toThrow(/could not make writes durable \(fsync failed: EIO/);
    // The API's /livez says so (its etcd check), so a supervisor restarts the process.
    expect(s.health()).toMatch(/could not make writes durable \(fsync failed: EIO.*restart Skiff/);
    await expect(s.update('/r/a', '3')).rejects.toThrow(/could not make writes durable/);
    await expect(s.get('/r/a')).rejects.toThrow(/could not make writes durable/);
    s.close();
  });

  it('keeps the previous revision of every later change through compaction (prev and deleted values on replay)', async () => {
    const s = new SqliteStore(join(tmp.make(), 'state.db'));
    await s.create('/r/a', 'a1'); // 1
    await s.update('/r/a', 'a2'); // 2
    await s.create('/r/b', 'b1'); // 3
    await s.update('/r/a', 'a3'); // 4
    await s.delete('/r/b'); // 5
    await s.create('/r/c', 'c1'); // 6
    await s.delete('/r/c'); // 7
    await s.compact(3);
    const seen: StoreEvent[] = [];
    s.watch('/r/', 3, (e) => seen.push(e)).dispose();
    expect(seen.map((e) => [e.type, e.entry.key, e.entry.value, e.prev?.value])).toEqual([
      ['put', '/r/a', 'a3', 'a2'],
      ['delete', '/r/b', 'b1', 'b1'],
      ['put', '/r/c', 'c1', undefined],
      ['delete', '/r/c', 'c1', 'c1'],
    ]);
    await s.compact(7);
    // Only the live values remain in the log: one row per live key.
    expect(s.liveData()).toMatchObject({ keys: 1, logRows: 1 });
    expect((await s.get('/r/a'))?.value).toBe('a3');
    s.close();
  });

  it('reports how long its batches took: on the writer thread for a file, holding the event loop in memory', async () => {
    for (const [path, kind] of [[join(tmp.make(), 'state.db'), 'commit (writer thread)'], [':memory:', 'commit']] as const) {
      const s = new SqliteStore(path);
      await Promise.all(Array.from({ length: 200 }, (_, i) => s.create(`/r/${i}`, 'x'.repeat(2000))));
      expect(Object.keys(s.stats().hold).filter((k) => k.startsWith('commit'))).toEqual([kind]);
      expect(s.stats().hold[kind]?.count).toBeGreaterThan(0);
      expect(s.stats().writes).toBe(200);
      s.close();
    }
  });
});
