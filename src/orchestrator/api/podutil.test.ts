import { describe, expect, it } from 'vitest';
import { canonicalJson, deepEqual } from './podutil.js';

/** A small deterministic generator of JSON-ish values, with the odd ones (undefined, NaN, -0, key order). */
function values(): unknown[] {
  const leaves: unknown[] = [null, undefined, 0, -0, 1, 1.5, NaN, Infinity, '', 'a', '1', true, false];
  const out: unknown[] = [...leaves];
  for (const x of leaves) {
    out.push([x], [x, x], { a: x }, { b: x, a: 1 }, { a: 1, b: x });
  }
  out.push({}, [], [[]], [{}], { a: {} }, { a: [] }, { a: { b: { c: [1, { d: undefined }] } } }, { a: { b: { c: [1, {}] } } });
  out.push({ constructor: 'x' }, { toString: 1 }, Object.assign(Object.create({ inherited: 1 }), { own: 1 }), { own: 1 });
  return out;
}

describe('canonicalJson and deepEqual', () => {
  it('canonicalJson sorts keys and leaves out undefined values', () => {
    expect(canonicalJson({ b: 1, a: [2, undefined, { d: undefined, c: 'x' }] })).toBe('{"a":[2,null,{"c":"x"}],"b":1}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('deepEqual answers exactly what comparing canonicalJson answers, for every pair', () => {
    const vs = values();
    let equalPairs = 0;
    for (const a of vs) {
      for (const b of vs) {
        const want = canonicalJson(a) === canonicalJson(b);
        if (deepEqual(a, b) !== want) throw new Error(`deepEqual(${canonicalJson(a)}, ${canonicalJson(b)}) should be ${want}`);
        if (want) equalPairs++;
      }
    }
    // Not a trivial sweep: many pairs are equal without being the same value.
    expect(equalPairs).toBeGreaterThan(vs.length * 2);
  });
});
