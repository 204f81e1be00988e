import { describe, expect, it } from 'vitest';
import { appendBounded, emptyLog } from './logBuffer.js';

describe('appendBounded', () => {
  it('keeps the newest lines up to the bound and counts the dropped ones', () => {
    let b = appendBounded(emptyLog, ['1', '2', '3'], 5);
    expect(b.lines).toEqual(['1', '2', '3']);
    b = appendBounded(b, ['4', '5', '6', '7'], 5);
    expect(b.lines).toEqual(['3', '4', '5', '6', '7']);
    expect(b.dropped).toBe(2);
    b = appendBounded(b, Array.from({ length: 12 }, (_, i) => `x${i}`), 5);
    expect(b.lines).toEqual(['x7', 'x8', 'x9', 'x10', 'x11']);
    expect(b.dropped).toBe(14);
  });

  it('returns the same buffer for nothing new', () => {
    expect(appendBounded(emptyLog, [])).toBe(emptyLog);
  });
});
