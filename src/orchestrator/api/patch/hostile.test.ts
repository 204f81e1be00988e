import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { resourceType } from '../resources.js';
import type { KubeObject } from '../types.js';
import { applyPatch, MAX_JSON_PATCH_OPERATIONS } from './index.js';

const cms = resourceType('configmaps');
const cm = (): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: 'x'.repeat(100_000) } });

function refusal(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('patches that would harm the server', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it.each(['merge', 'strategic', 'apply'] as const)('%s: a "__proto__" key is refused and Object.prototype stays clean', (type) => {
    const body = JSON.parse('{"metadata": {"__proto__": {"polluted": "yes"}}}') as unknown;
    expect(refusal(() => applyPatch(type, cms, cm(), body)).code).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const top = JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown;
    expect(refusal(() => applyPatch(type, cms, cm(), top)).code).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('json: a path through "__proto__" is refused', () => {
    const e = refusal(() => applyPatch('json', cms, cm(), [{ op: 'add', path: '/__proto__/polluted', value: 'yes' }]));
    expect(e.code).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`json: more than ${MAX_JSON_PATCH_OPERATIONS} operations is a 413, as kube-apiserver answers`, () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'ConfigMap' }));
    const e = refusal(() => applyPatch('json', cms, cm(), ops));
    expect(e.code).toBe(413);
    expect(e.message).toBe(`The allowed count of operations in a JSON patch is 10000, but the received count is ${MAX_JSON_PATCH_OPERATIONS + 1}.`);
    expect(() => applyPatch('json', cms, cm(), ops.slice(1))).not.toThrow();
  });

  it('json: copies that double the object each time are stopped once they duplicate 3 MiB', () => {
    const ops = Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '/data', path: `/metadata/annotations${i === 0 ? '' : `/x${i}`}` }));
    ops[0] = { op: 'add', path: '/metadata/annotations', value: {} } as never;
    const e = refusal(() => applyPatch('json', cms, cm(), ops));
    expect(e.code).toBe(413);
  });

  it('json: a move or copy from a path that does not exist is a 400', () => {
    for (const op of ['move', 'copy']) {
      const e = refusal(() => applyPatch('json', cms, cm(), [{ op, from: '/nope/deeper', path: '/x' }]));
      expect(e.code).toBe(400);
      expect(e.message).toContain('from a path that does not exist');
    }
    const moved = applyPatch('json', cms, cm(), [{ op: 'move', from: '/data/a', path: '/data/b' }]) as KubeObject & { data: Record<string, string> };
    expect(Object.keys(moved.data)).toEqual(['b']);
  });
});
