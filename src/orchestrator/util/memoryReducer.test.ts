import { describe, expect, it } from 'vitest';
import { collectGarbage, MemoryReducer, type MemoryHost } from './memoryReducer.js';

const MB = 1024 * 1024;

/** A heap whose use the test sets; a collection leaves `live` in use. */
function fakeHost(start: number): MemoryHost & { used: number; live: number; busy: number; collected: number } {
  const h = {
    used: start,
    live: start,
    busy: 0,
    collected: 0,
    heapUsed: () => h.used,
    utilization: () => h.busy,
    collect: () => {
      h.collected++;
      h.used = h.live;
      return true;
    },
  };
  return h;
}

describe('MemoryReducer', () => {
  const opts = { quietUtilization: 0.1, growthBytes: 48 * MB };

  it('collects once the loop is quiet after the heap grew, not during the load', () => {
    const h = fakeHost(30 * MB);
    const r = new MemoryReducer(h, opts);
    h.used = 400 * MB;
    h.busy = 0.9;
    expect(r.tick(1)).toBe(false);
    expect(h.collected).toBe(0);
    h.busy = 0.02;
    h.live = 40 * MB;
    expect(r.tick(2)).toBe(true);
    expect(h.used).toBe(40 * MB);
    expect(r.collections).toEqual([{ at: 2, beforeBytes: 400 * MB, afterBytes: 40 * MB }]);
    // Quiet and nothing new: no second collection.
    expect(r.tick(3)).toBe(false);
    expect(h.collected).toBe(1);
  });

  it('leaves small growth alone and measures growth from after the last collection', () => {
    const h = fakeHost(30 * MB);
    const r = new MemoryReducer(h, opts);
    h.used = 70 * MB;
    expect(r.tick(1)).toBe(false);
    // Live data that stays (20,000 pods in the cache): collected once, then the new floor.
    h.live = 300 * MB;
    h.used = 320 * MB;
    expect(r.tick(2)).toBe(true);
    h.used = 340 * MB;
    expect(r.tick(3)).toBe(false);
    h.used = 360 * MB;
    expect(r.tick(4)).toBe(true);
    expect(h.collected).toBe(2);
  });

  it("follows V8's own collections down", () => {
    const h = fakeHost(200 * MB);
    const r = new MemoryReducer(h, opts);
    h.used = 30 * MB; // V8 collected by itself
    expect(r.tick(1)).toBe(false);
    h.used = 90 * MB;
    expect(r.tick(2)).toBe(true);
  });

  it('collects on the next quiet look after a release, though the heap did not grow', () => {
    const h = fakeHost(200 * MB);
    const r = new MemoryReducer(h, opts);
    h.live = 30 * MB; // the watch cache let go of its history: garbage, same heap in use
    expect(r.tick(1)).toBe(false);
    r.release();
    h.busy = 0.5;
    expect(r.tick(2)).toBe(false);
    h.busy = 0;
    expect(r.tick(3)).toBe(true);
    expect(h.used).toBe(30 * MB);
    expect(r.tick(4)).toBe(false);
  });

  it('says so when the process cannot collect', () => {
    const h = fakeHost(30 * MB);
    h.collect = () => false;
    const r = new MemoryReducer(h, opts);
    h.used = 300 * MB;
    expect(r.tick(1)).toBe(false);
    expect(r.collections).toEqual([]);
  });
});

describe('collectGarbage', () => {
  it("runs V8's major collection in a process started without --expose-gc", () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
    expect(garbage.length).toBe(200_000);
    garbage = undefined;
    const before = process.memoryUsage().heapUsed;
    expect(collectGarbage()).toBe(true);
    expect(process.memoryUsage().heapUsed).toBeLessThan(before);
  });
});
