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
    const { items, revision } = await s.list('/r/');
    listing = false;
    await writer;
    const expected = states.get(revision);
    expect(expected, `a state recorded at ${revision}`).toBeDefined();
    expect(revision).toBeGreaterThan(4_501); // writes landed while it listed (pages yield to them)
    expect(items.map((e) => [e.key, e.value])).toEqual([...(expected as Map<string, string>)].sort(([a], [b]) => (a < b ? -1 : 1)));
    s.close();
  });
});
