import { describe, expect, it } from 'vitest';
import { compareQuantities, formatCpu, formatMemory, isQuantity, milliValue, parseExact, parseCpu, parseMemory, parseQuantity } from './quantity.js';

describe('quantity', () => {
  it.each([
    ['100m', 100],
    ['1', 1000],
    [2, 2000],
    ['0.5', 500],
    ['.1', 100],
    ['1.5', 1500],
    ['250m', 250],
    ['1e3', 1_000_000],
    ['1k', 1_000_000],
    ['500u', 1], // rounds up, as MilliValue does
    ['100n', 1],
    ['0', 0],
  ])('cpu %s is %i millicores', (q, m) => {
    expect(parseCpu(q)).toBe(m);
  });

  it.each([
    ['1Ki', 1024],
    ['128Mi', 134_217_728],
    ['1.5Gi', 1_610_612_736],
    ['1G', 1_000_000_000],
    ['1e9', 1_000_000_000],
    ['1E9', 1_000_000_000],
    ['2M', 2_000_000],
    ['1500', 1500],
    [1024, 1024],
    ['0.5Ki', 512],
    ['1Ti', 1024 ** 4],
    ['+5k', 5000],
  ])('memory %s is %i bytes', (q, b) => {
    expect(parseMemory(q)).toBe(b);
  });

  it.each(['', 'abc', '1.2.3', '5 Gi', 'Gi', '1gi', '1KB', '--1', '1e', null, undefined, {}, Number.NaN])('rejects %s', (q) => {
    expect(isQuantity(q)).toBe(false);
    expect(parseCpu(q)).toBeUndefined();
  });

  it('parses values and negative numbers', () => {
    expect(parseQuantity('250m')).toBe(0.25);
    expect(parseQuantity('-1Ki')).toBe(-1024);
    expect(milliValue('-100m')).toBe(-100);
    expect(() => parseQuantity('x')).toThrow(/regular expression/);
  });

  it('formats back canonically', () => {
    expect(formatCpu(250)).toBe('250m');
    expect(formatCpu(2000)).toBe('2');
    expect(formatCpu(1500)).toBe('1500m');
    expect(formatMemory(1024 ** 3)).toBe('1Gi');
    expect(formatMemory(1536 * 1024 * 1024)).toBe('1536Mi');
    expect(formatMemory(16_318_460 * 1024)).toBe('16318460Ki');
    expect(formatMemory(1_500_000_000)).toBe('1500M');
    expect(formatMemory(1001)).toBe('1001');
    expect(formatMemory(0)).toBe('0');
    for (const q of ['1Gi', '300Mi', '7Ki', '2G']) expect(parseMemory(formatMemory(parseMemory(q) as number))).toBe(parseMemory(q));
  });

  it('compares exactly', () => {
    expect(compareQuantities('1Gi', '1024Mi')).toBe(0);
    expect(compareQuantities('1G', '1Gi')).toBe(-1);
    expect(compareQuantities('1', '999m')).toBe(1);
  });

  it('parses a string once: a repeat answers the same, valid or not, past the memo bound', () => {
    const first = parseExact('250m');
    expect(first).toEqual({ num: 250n, den: 1000n });
    expect(parseExact('250m')).toEqual(first);
    expect(parseExact(' 250m ')).toEqual(first);
    expect(parseExact('12x')).toBeUndefined();
    expect(parseExact('12x')).toBeUndefined();
    // More distinct strings than the memo holds: answers stay right when it starts over.
    for (let i = 0; i < 5_000; i++) expect(parseExact(`${i}Ki`)).toEqual({ num: BigInt(i) * 1024n, den: 1n });
    expect(parseExact('250m')).toEqual({ num: 250n, den: 1000n });
    expect(parseExact(0.5)).toEqual({ num: 5n, den: 10n });
  });
});
