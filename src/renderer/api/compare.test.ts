import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../orchestrator/api/types.js';
import { sameContent, sameIntent, stable, withoutManagedFields } from './compare.js';

const obj = (extra: Partial<KubeObject> = {}, meta: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', resourceVersion: '1', managedFields: [{}], ...meta }, data: { a: '1' }, ...extra });

describe('compare', () => {
  it('serializes with sorted keys', () => {
    expect(stable({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
  it('ignores server bookkeeping; sameIntent also ignores status', () => {
    expect(sameContent(obj(), obj({}, { resourceVersion: '9', managedFields: [] }))).toBe(true);
    expect(sameContent(obj(), obj({ data: { a: '2' } }))).toBe(false);
    expect(sameContent(obj({ status: { x: 1 } }), obj({ status: { x: 2 } }))).toBe(false);
    expect(sameIntent(obj({ status: { x: 1 } }), obj({ status: { x: 2 } }, { resourceVersion: '7' }))).toBe(true);
    expect(sameIntent(obj(), obj({}, { labels: { a: 'b' } }))).toBe(false);
    expect(withoutManagedFields(obj()).metadata).toEqual({ name: 'c', resourceVersion: '1' });
  });
});
