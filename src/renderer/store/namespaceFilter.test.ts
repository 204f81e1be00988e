import { describe, expect, it } from 'vitest';
import { byKey, pod } from '../testing/fixtures.js';
import { filterByNamespace } from './namespaceFilter.js';

describe('namespace filter', () => {
  it('keeps one namespace (not a namespace sharing its prefix), or the very same map for all', () => {
    const all = byKey(pod('a', { ns: 'shop' }), pod('b', { ns: 'shop-2' }), pod('c', { ns: 'default' }));
    expect(Object.keys(filterByNamespace(all, 'shop'))).toEqual(['shop/a']);
    expect(filterByNamespace(all, null)).toBe(all);
    expect(filterByNamespace(all, 'none')).toEqual({});
  });
});
