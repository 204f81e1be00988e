import { describe, expect, it } from 'vitest';
import { milliValue, parseQuantity, QuantityError, value } from './quantity.js';

describe('quantity', () => {
  it.each([
    ['1', 1],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['500m', 0.5],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['1k', 1000],
    ['2e3', 2000],
    ['1E', 1e18],
    ['1.5Ki', 1536],
    ['100u', 1e-4],
    ['-1', -1],
  ])('parses %s', (input, expected) => {
    expect(parseQuantity(input)).toBeCloseTo(expected, 12);
  });

  it.each(['', 'abc', '1Kb', '1 Mi', 'Mi', '1.2.3', '1ki'])('rejects %j', (input) => {
    expect(() => parseQuantity(input)).toThrow(QuantityError);
  });

  it('rounds up to millis and to whole units like Quantity.MilliValue/Value', () => {
    expect(milliValue('100m')).toBe(100);
    expect(milliValue('0.1')).toBe(100);
    expect(milliValue('2')).toBe(2000);
    expect(milliValue('1n')).toBe(1);
    expect(milliValue('0.0001')).toBe(1);
    expect(value('1.5')).toBe(2);
    expect(value('64Mi')).toBe(67108864);
    expect(value('1e3')).toBe(1000);
  });
});
