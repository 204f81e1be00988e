import { describe, expect, it } from 'vitest';
import { diffStats, diffText, forDiff, toYaml } from './diff.js';

describe('diff', () => {
  it('gives hunks with context, and nothing for equal texts', () => {
    const a = 'a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\n';
    const b = a.replace('b: 2', 'b: 20').replace('h: 8', 'h: 8\ni: 9');
    const hunks = diffText(a, b, 1);
    expect(hunks.map((h) => h.header)).toEqual(['@@ -1,3 +1,3 @@', '@@ -8,1 +8,2 @@']);
    expect(hunks[0]?.lines).toEqual([
      { type: ' ', text: 'a: 1' },
      { type: '-', text: 'b: 2' },
      { type: '+', text: 'b: 20' },
      { type: ' ', text: 'c: 3' },
    ]);
    expect(diffStats(hunks)).toEqual({ added: 2, removed: 1 });
    expect(diffText(a, a)).toEqual([]);
  });

  it('compares objects without managedFields and write bookkeeping', () => {
    const yaml = forDiff({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', resourceVersion: '5', generation: 2, managedFields: [{}] }, data: { a: '1' } });
    expect(yaml).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n');
    expect(forDiff(undefined)).toBe('');
    expect(toYaml({ long: 'x'.repeat(200) })).not.toContain('\n  ');
  });
});
