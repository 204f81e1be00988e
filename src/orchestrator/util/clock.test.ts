import { describe, expect, it } from 'vitest';
import { isoTime } from './clock.js';

describe('isoTime', () => {
  it('formats each second as Kubernetes does, whatever order the times come in', () => {
    const t = Date.UTC(2026, 11, 4, 7, 30, 5);
    expect(isoTime(t)).toBe('2026-12-04T07:30:05Z');
    expect(isoTime(t + 999)).toBe('2026-12-04T07:30:05Z');
    expect(isoTime(t + 1000)).toBe('2026-12-04T07:30:06Z');
    expect(isoTime(t - 1)).toBe('2026-12-04T07:30:04Z');
    expect(isoTime(t)).toBe('2026-12-04T07:30:05Z');
    expect(isoTime(0)).toBe('1970-01-01T00:00:00Z');
  });
});
