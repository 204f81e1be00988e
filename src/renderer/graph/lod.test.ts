import { describe, expect, it } from 'vitest';
import { FitPolicy } from './fitPolicy.js';
import { DETAIL_MIN_PX, LOD_THRESHOLDS, lodFor, MIN_SCREEN_PX } from './lod.js';

describe('level of detail', () => {
  it('never draws text below the minimum on-screen size: detail hides as the zoom drops', () => {
    for (let z = 0.02; z <= 2; z += 0.01) {
      const l = lodFor(z);
      if (l.level === 0) expect(DETAIL_MIN_PX * z).toBeGreaterThanOrEqual(MIN_SCREEN_PX - 1e-9);
      if (l.titlePx > 0) expect(l.titlePx * z).toBeGreaterThanOrEqual(MIN_SCREEN_PX - 1e-9);
    }
    expect(lodFor(1).level).toBe(0);
    expect(lodFor(0.5).level).toBe(1);
    expect(lodFor(0.3).level).toBe(2);
    expect(lodFor(0.2)).toEqual({ level: 3, titlePx: 64 });
    expect(lodFor(0.1)).toEqual({ level: 4, titlePx: 0 });
    expect(LOD_THRESHOLDS[0]).toBeCloseTo(MIN_SCREEN_PX / DETAIL_MIN_PX);
  });
});

describe('fit policy', () => {
  it('fits on shape changes until the user moves the view; their fit hands it back', () => {
    const p = new FitPolicy();
    expect(p.shouldFit('a')).toBe(true);
    expect(p.shouldFit('a')).toBe(false);
    expect(p.shouldFit('b')).toBe(true);
    p.userMove();
    expect(p.shouldFit('c')).toBe(false);
    expect(p.shouldFit('d')).toBe(false);
    p.userFit();
    expect(p.shouldFit('d')).toBe(false);
    expect(p.shouldFit('e')).toBe(true);
  });
});
