import { describe, expect, it } from 'vitest';
import { deepFreeze, shareUnchanged } from './frozen.js';

const pod = (status: { phase: string; conditions: object[] }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'a' }, managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }], resourceVersion: '1' },
  spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }], nodeName: 'n' },
  status,
});

describe('shareUnchanged', () => {
  it("puts the previous version's frozen parts in place of exactly equal ones, at every depth, and keeps the JSON", () => {
    const prev = deepFreeze(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] }));
    const next = pod({ phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] });
    next.metadata.resourceVersion = '2';
    const json = JSON.stringify(next);
    expect(shareUnchanged(next, prev)).toBe(false);
    expect(JSON.stringify(next)).toBe(json);
    expect(next.spec).toBe(prev.spec);
    expect(next.metadata.labels).toBe(prev.metadata.labels);
    expect(next.metadata.managedFields).toBe(prev.metadata.managedFields);
    // A changed part is its own, with what is unchanged inside it shared.
    expect(next.metadata).not.toBe(prev.metadata);
    expect(next.status).not.toBe(prev.status);
    expect(next.status.conditions[0]).toBe(prev.status.conditions[0]);
  });

  it('shares nothing that differs in any way JSON shows: a value, a key, key order, a list element or length, a type', () => {
    const cases: [unknown, unknown][] = [
      [{ a: 1 }, { a: 2 }],
      [{ a: 1 }, { a: 1, b: 1 }],
      [{ a: 1, b: 1 }, { a: 1 }],
      [{ a: 1, b: 2 }, { b: 2, a: 1 }],
      [[1, 2], [1, 2, 3]],
      [[1, 2, 3], [1, 2]],
      [[{ x: 1 }], [{ x: '1' }]],
      [{ a: [] }, { a: {} }],
      [{ a: null }, { a: {} }],
      [{ a: {} }, { a: null }],
    ];
    for (const [a, b] of cases) {
      const next = { wrap: structuredClone(a) };
      const prev = deepFreeze({ wrap: structuredClone(b) });
      const json = JSON.stringify(next);
      expect(shareUnchanged(next, prev), JSON.stringify([a, b])).toBe(false);
      expect(next.wrap).not.toBe(prev.wrap);
      expect(JSON.stringify(next)).toBe(json);
    }
    // Equal, key order included: shared whole.
    const next = { wrap: { a: [1, { b: null }], c: 'x' } };
    const prev = deepFreeze({ wrap: { a: [1, { b: null }], c: 'x' } });
    expect(shareUnchanged(next, prev)).toBe(true);
    expect(next.wrap).toBe(prev.wrap);
  });

  it('leaves a part that is frozen already as it is, and no previous version changes nothing', () => {
    const frozen = deepFreeze({ x: { y: 1 }, z: 2 });
    const prev = deepFreeze({ x: { y: 1 }, z: 3 });
    expect(shareUnchanged(frozen, prev)).toBe(false);
    expect(frozen.x).not.toBe(prev.x);
    const next = { a: { b: 1 } };
    const inner = next.a;
    expect(shareUnchanged(next, undefined)).toBe(false);
    expect(next.a).toBe(inner);
  });
});
