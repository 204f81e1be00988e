import { describe, expect, it } from 'vitest';
import { perKind } from './kinds.js';
import { connectionState } from './selectors.js';

describe('connectionState', () => {
  it('summarises the per-kind watch states', () => {
    expect(connectionState({ watchStates: perKind('live') })).toBe('connected');
    expect(connectionState({ watchStates: perKind('connecting') })).toBe('connecting');
    expect(connectionState({ watchStates: perKind('retrying') })).toBe('offline');
    expect(connectionState({ watchStates: { ...perKind('live'), pods: 'retrying' } })).toBe('reconnecting');
  });
});
