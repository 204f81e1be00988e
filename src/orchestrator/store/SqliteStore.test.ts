import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './SqliteStore.js';
import { StoreCompacted, StoreConflict, StoreKeyExists, StoreNotFound, type StoreEvent } from './types.js';

describe('SqliteStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('bumps one revision per write and compares-and-swaps', async () => {
    const s = new SqliteStore(':memory:');
    const a = await s.create('/r/a', '1');
    const b = await s.create('/r/b', '2');
    expect([a.modRevision, b.modRevision]).toEqual([1, 2]);
    await expect(s.create('/r/a', 'x')).rejects.toBeInstanceOf(StoreKeyExists);
    const a2 = await s.update('/r/a', '3', 1);
    expect(a2.modRevision).toBe(3);
    expect(a2.createRevision).toBe(1);
    await expect(s.update('/r/a', '4', 1)).rejects.toBeInstanceOf(StoreConflict);
    await expect(s.update('/r/zz', '4')).rejects.toBeInstanceOf(StoreNotFound);
    const d = await s.delete('/r/b');
    expect(d.modRevision).toBe(4);
    expect((await s.list('/r/')).items.map((e) => e.key)).toEqual(['/r/a']);
    s.close();
  });

  it('replays every change after a revision, then follows live', async () => {
    const s = new SqliteStore(':memory:');
    await s.create('/r/a', '1');
    await s.update('/r/a', '2');
    await s.create('/other/x', '0');
    await s.delete('/r/a');
    const seen: StoreEvent[] = [];
    const w = s.watch('/r/', 1, (e) => seen.push(e));
    await s.create('/r/c', '9');
    w.dispose();
    await s.create('/r/d', '9');
    expect(seen.map((e) => [e.type, e.entry.key, e.entry.modRevision, e.entry.value])).toEqual([
      ['put', '/r/a', 2, '2'],
      ['delete', '/r/a', 4, '2'],
      ['put', '/r/c', 5, '9'],
    ]);
    expect(seen[0]?.prev?.value).toBe('1');
    s.close();
  });

  it('answers a watch from a compacted revision with StoreCompacted', async () => {
    const s = new SqliteStore(':memory:');
    for (let i = 0; i < 5; i++) await s.create(`/r/${i}`, String(i));
    await s.update('/r/0', 'x');
    await s.compact(4);
    expect(() => s.watch('/r/', 2, () => {})).toThrow(StoreCompacted);
    const seen: number[] = [];
    s.watch('/r/', 4, (e) => seen.push(e.entry.modRevision)).dispose();
    expect(seen).toEqual([5, 6]);
    // Live values survive compaction.
    expect((await s.get('/r/1'))?.value).toBe('1');
    s.close();
  });

  it('keeps revisions and data across reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-store-'));
    dirs.push(dir);
    const file = join(dir, 'state.db');
    const s = new SqliteStore(file);
    await s.create('/r/a', '1');
    await s.update('/r/a', '2');
    s.close();
    const t = new SqliteStore(file);
    expect(t.currentRevision()).toBe(2);
    expect((await t.get('/r/a'))?.value).toBe('2');
    expect((await t.create('/r/b', '1')).modRevision).toBe(3);
    t.close();
  });

  it('lists a big prefix in pages while writes go on, exactly as at the revision it answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-store-'));
    dirs.push(dir);
    const s = new SqliteStore(join(dir, 'state.db'));
    const key = (i: number) => `/r/${String(i).padStart(5, '0')}`;
    // What the prefix holds after each revision, to check the list against the one it names.
    const states = new Map<number, Map<string, string>>();
    const model = new Map<string, string>();
    const record = (rev: number) => states.set(rev, new Map(model));
    for (let i = 0; i < 9_000; i += 2) {
      model.set(key(i), `v${i}`);
      await s.create(key(i), `v${i}`);
    }
    await s.create('/s/after', 'not in the prefix');
    record(s.currentRevision());
    let listing = true;
    const writer = (async () => {
      // Changes before, inside and after each page boundary: updates, deletes and new keys.
      for (let n = 0; listing; n++) {
        const i = (n * 1_237) % 9_000;
        const k = key(i);
        let e;
        if (model.has(k) && n % 3 === 0) {
          e = await s.delete(k);
          model.delete(k);
        } else if (model.has(k)) {
          e = await s.update(k, `u${n}`);
          model.set(k, `u${n}`);
        } else {
          e = await s.create(k, `c${n}`);
          model.set(k, `c${n}`);
        }
        record(e.modRevision);
      }
    })();
    // Each list must equal the state at the revision it answers. Lists go on until one of them saw
    // writes land while it read (its revision moved past where it began: pages yield to the
    // writer); how soon that happens depends on the machine's load, so it is waited for, not assumed.
    let overlapped = false;
    for (let attempt = 0; attempt < 200 && !overlapped; attempt++) {
      const began = s.currentRevision();
      const { items, revision } = await s.list('/r/');
      const expected = states.get(revision);
      expect(expected, `a state recorded at ${revision}`).toBeDefined();
      expect(items.map((e) => [e.key, e.value])).toEqual([...(expected as Map<string, string>)].sort(([a], [b]) => (a < b ? -1 : 1)));
      overlapped = revision > began;
    }
    listing = false;
    await writer;
    expect(overlapped, 'a list during which writes landed').toBe(true);
    s.close();
  });

  it('reads a chunk of a list as at an older revision: keys updated, deleted, created and re-created since', async () => {
    const s = new SqliteStore(':memory:');
    const key = (i: number) => `/r/${String(i).padStart(3, '0')}`;
    const model = new Map<string, string>();
    for (let i = 0; i < 60; i += 2) {
      await s.create(key(i), `v${i}`);
      model.set(key(i), `v${i}`);
    }
    await s.create('/s/x', 'outside');
    const at = s.currentRevision();
    const then = [...model].sort(([a], [b]) => (a < b ? -1 : 1));
    // After `at`: every third key updated, every fifth deleted, odd keys created, one deleted and created again.
    for (let i = 0; i < 60; i += 2) {
      if (i % 5 === 0) await s.delete(key(i));
      else if (i % 3 === 0) await s.update(key(i), `u${i}`);
    }
    for (let i = 1; i < 60; i += 4) await s.create(key(i), `c${i}`);
    await s.create(key(10), 'again');
    await s.update(key(10), 'again2');
    // Paged at `at` in chunks of 7, the pages join up into exactly the state at `at`.
    const seen: [string, string, number][] = [];
    let start: string | undefined;
    for (let pages = 0; ; pages++) {
      const c = await s.listChunk('/r/', { start, limit: 7, revision: at });
      expect(c.revision).toBe(at);
      seen.push(...c.items.map((e) => [e.key, e.value, e.modRevision] as [string, string, number]));
      if (!c.more) break;
      expect(c.items).toHaveLength(7);
      start = `${(c.items[6] as { key: string }).key}\0`;
      expect(pages).toBeLessThan(10);
    }
    expect(seen.map(([k, v]) => [k, v])).toEqual(then);
    expect(seen.every(([, , rev]) => rev <= at)).toBe(true);
    // Now (no revision): the live keys, and the last chunk says there is no more.
    const now = await s.listChunk('/r/', { limit: 1_000 });
    expect(now.revision).toBe(s.currentRevision());
    expect(now.more).toBe(false);
    expect(now.items.map((e) => e.key)).toEqual((await s.list('/r/')).items.map((e) => e.key));
    expect(now.items.find((e) => e.key === key(10))?.value).toBe('again2');
    // Compacted past `at`: that revision cannot be read any more.
    await s.compact(at + 5);
    await expect(s.listChunk('/r/', { limit: 7, revision: at })).rejects.toBeInstanceOf(StoreCompacted);
    expect((await s.listChunk('/r/', { limit: 7, revision: at + 5 })).items).toHaveLength(7);
    s.close();
  });
});
