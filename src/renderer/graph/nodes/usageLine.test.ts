import { describe, expect, it } from 'vitest';
import { formatTopCpu, formatTopMemory } from '../../api/metrics.js';
import { usageVsRequest } from './UsageLine.js';

describe('usageVsRequest', () => {
  it('prints the use alone without a request, and against the request with a truncated percentage', () => {
    expect(usageVsRequest('120m', 0.12, 0, formatTopCpu)).toBe('120m');
    expect(usageVsRequest('120m', 0.12, 0.75, formatTopCpu)).toBe('120m / 750m (16%)');
    expect(usageVsRequest('96Mi', 96 * 2 ** 20, 192 * 2 ** 20, formatTopMemory)).toBe('96Mi / 192Mi (50%)');
  });
});
