import { describe, expect, it } from 'vitest';
import type { ClaimRead } from '../../graph/pendingReasons.js';
import { withRead } from './claimReads.js';

describe('the claim reads a pending pod panel keeps', () => {
  const reads = new Map<string, ClaimRead>([['data', { phase: 'Pending' }]]);

  it('keeps the same map when a claim is read again with the same answer (no render loop, no render per poll)', () => {
    expect(withRead(reads, 'data', { phase: 'Pending' })).toBe(reads);
    expect(withRead(reads, 'logs', undefined)).toBe(reads);
  });

  it('replaces, adds and removes a claim read', () => {
    expect([...withRead(reads, 'data', { phase: 'Bound' })]).toEqual([['data', { phase: 'Bound' }]]);
    expect([...withRead(reads, 'logs', { missing: true })]).toEqual([['data', { phase: 'Pending' }], ['logs', { missing: true }]]);
    expect([...withRead(reads, 'data', undefined)]).toEqual([]);
    expect(withRead(reads, 'data', { phase: 'Pending', deleting: true })).not.toBe(reads);
  });
});
