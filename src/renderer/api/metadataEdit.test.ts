import { describe, expect, it } from 'vitest';
import { keyProblem, metadataPatch, validateRows } from './metadataEdit.js';

describe('label and annotation editing', () => {
  it('checks keys as the API server does', () => {
    for (const ok of ['app', 'app.kubernetes.io/name', 'a_b.c-d', 'x/y']) expect(keyProblem(ok)).toBeUndefined();
    expect(keyProblem('')).toBe('is required');
    expect(keyProblem('Bad Prefix/x')).toMatch(/prefix/);
    expect(keyProblem('-x')).toMatch(/start and end/);
    expect(keyProblem('a'.repeat(64))).toMatch(/1-63/);
  });

  it('reports problems by row and field; label values are checked, annotation values are free', () => {
    const rows = [{ key: 'app', value: 'web' }, { key: 'app', value: 'x' }, { key: '', value: '' }, { key: 'tier', value: 'not ok!' }];
    expect(validateRows(rows, 'labels')).toEqual([
      { row: 1, field: 'Key', message: '"app" is already in row 1' },
      { row: 3, field: 'Value', message: expect.stringMatching(/at most 63/) },
    ]);
    expect(validateRows([{ key: 'note', value: 'anything at all!' }], 'annotations')).toEqual([]);
  });

  it('builds a merge patch: changed and new keys set, removed keys null; nothing when unchanged', () => {
    expect(metadataPatch('labels', { app: 'web', tier: 'fe', gone: 'x' }, [{ key: 'app', value: 'web' }, { key: 'tier', value: 'be' }, { key: 'new', value: '1' }, { key: ' ', value: '' }])).toEqual({
      metadata: { labels: { gone: null, tier: 'be', new: '1' } },
    });
    expect(metadataPatch('annotations', { a: '1' }, [{ key: 'a', value: '1' }])).toBeUndefined();
  });
});
