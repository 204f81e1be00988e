import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types.js';
import { WatchCache } from './watchCache.js';

const obj = (name: string, rev: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, resourceVersion: String(rev) } });

describe('WatchCache', () => {
  it('reads the state at any revision of its history exactly as it was (against snapshots taken at each revision)', () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const c = new WatchCache();
    const live = new Map<string, KubeObject>();
    const initial: [string, KubeObject][] = [];
    for (let i = 0; i < 20; i++) {
      const key = `/r/ns${i % 3}/k${String(i).padStart(2, '0')}`;
      const o = obj(key, 1);
      live.set(key, o);
      initial.push([key, o]);
    }
    c.replace(initial, 10);
    const snapshots = new Map<number, Map<string, KubeObject>>([[10, new Map(live)]]);
    for (let rev = 11; rev <= 400; rev++) {
      const key = `/r/ns${rand(3)}/k${String(rand(40)).padStart(2, '0')}`;
      if (live.has(key) && rand(3) === 0) {
        const o = live.get(key) as KubeObject;
        live.delete(key);
        c.apply('delete', key, o, rev, rev);
      } else {
        const o = obj(key, rev);
        live.set(key, o);
        c.apply('put', key, o, rev, rev);
      }
      snapshots.set(rev, new Map(live));
    }
    const expected = (rev: number, prefix: string, start: string) =>
      [...(snapshots.get(rev) as Map<string, KubeObject>)].filter(([k]) => k.startsWith(prefix) && k >= start).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, o]) => `${k}@${o.metadata.resourceVersion}`);
    const scanned = (rev: number, prefix: string, start: string, limit = Infinity) => {
      const out: string[] = [];
      c.scan(prefix, start, rev, (k, o) => {
        out.push(`${k}@${o.metadata.resourceVersion}`);
        return out.length < limit;
      });
      return out;
    };
    for (let i = 0; i < 300; i++) {
      const rev = 10 + rand(391);
      const prefix = rand(2) ? '/r/' : `/r/ns${rand(3)}/`;
      const start = rand(2) ? prefix : `${prefix}${rand(2) ? '' : `ns${rand(3)}/`}k${String(rand(40)).padStart(2, '0')}`;
      expect(scanned(rev, prefix, start)).toEqual(expected(rev, prefix, start));
    }
    // A scan stops when told to.
    expect(scanned(200, '/r/', '/r/', 5)).toEqual(expected(200, '/r/', '/r/').slice(0, 5));
  });

  it('trims its history by age and count, and says from where it can still answer', () => {
    const c = new WatchCache();
    c.replace([], 0);
    for (let rev = 1; rev <= 50; rev++) c.apply('put', `/r/k${rev}`, obj(`k${rev}`, rev), rev, rev * 1000);
    expect(c.trim(50_000, 10_000, 5, 100)).toBe(39);
    // Events older than 10 s at t=50 s go (at most 40 kept at rev 10 or later): floor is the last dropped.
    expect(c.floor).toBe(39);
    expect(c.eventsAfter(c.floor).map((e) => e.rev)).toEqual(Array.from({ length: 11 }, (_, i) => 40 + i));
    expect(c.trim(1e9, 10_000, 5, 100)).toBe(6);
    expect(c.historyLength()).toBe(5);
    expect(c.trim(1e9, 10_000, 5, 100)).toBe(0);
    c.trim(1e9, 1e12, 0, 2);
    expect(c.historyLength()).toBe(2);
    expect(c.floor).toBe(48);
    expect(c.size).toBe(50);
  });
});
