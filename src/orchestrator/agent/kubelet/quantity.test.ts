import { describe, expect, it } from 'vitest';
import { cpuToNanoCpus, formatMemoryKi, memoryToBytes } from './quantity.js';

describe('limits to Docker units', () => {
  it.each([
    ['250m', 250_000_000],
    ['2', 2_000_000_000],
    ['0.5', 500_000_000],
    ['0', undefined],
    ['abc', undefined],
    [undefined, undefined],
  ])('cpu %j -> NanoCpus %j', (q, v) => {
    expect(cpuToNanoCpus(q)).toBe(v);
  });
  it.each([
    ['64Mi', 67_108_864],
    ['1G', 1e9],
    ['1e3', 1000],
    ['0', undefined],
    ['5 Mi', undefined],
    [undefined, undefined],
  ])('memory %j -> bytes %j', (q, v) => {
    expect(memoryToBytes(q)).toBe(v);
  });
  it('reports node memory in whole KiB', () => {
    expect(formatMemoryKi(8 * 1024 ** 3)).toBe('8388608Ki');
    expect(formatMemoryKi(1025)).toBe('1Ki');
  });
});
