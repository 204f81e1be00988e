import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types.js';
import { jsonOf } from './cacher/frozen.js';
import { encodeObject, WriteHandoff } from './writeHandoff.js';

const withoutVersion = (o: KubeObject) => {
  const { resourceVersion: _rv, ...metadata } = o.metadata;
  return { ...o, metadata };
};

describe('encodeObject', () => {
  const cases: [string, KubeObject][] = [
    ['a plain object', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' }, data: { k: 'v' } }],
    ['a version in the middle of metadata', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '7', namespace: 'default' } }],
    ['empty metadata', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }],
    ['metadata first, and strings JSON escapes', { metadata: { name: 'q"\\\u2028\u0000', annotations: { resourceVersion: '"resourceVersion":null}' } }, kind: 'X', apiVersion: 'v1' }],
  ];
  it.each(cases)('%s: the stored text is JSON.stringify without the version; jsonAt is JSON.stringify with it last', (_name, obj) => {
    const e = encodeObject(obj);
    expect(e.text).toBe(JSON.stringify(withoutVersion(obj)));
    const stamped = { ...obj, metadata: { ...withoutVersion(obj).metadata, resourceVersion: '42' } };
    expect(e.jsonAt('42')).toBe(JSON.stringify(stamped));
  });
});

describe('WriteHandoff', () => {
  const entry = (key: string, value: string, rev: number) => ({ key, value, modRevision: rev, createRevision: rev });
  const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: 'v' } });

  it('hands over the object whose text the store wrote, stamped, frozen, with its JSON; nothing else', async () => {
    const h = new WriteHandoff();
    const obj = cm('a');
    const enc = encodeObject(obj);
    let taken: KubeObject | undefined;
    let other: KubeObject | undefined;
    await h.around('/k/a', enc, obj, async () => {
      // Another writer's text under the same key is not this object.
      other = h.take(entry('/k/a', `${enc.text} `, 4));
      taken = h.take(entry('/k/a', enc.text, 5));
      return entry('/k/a', enc.text, 5);
    });
    expect(other).toBeUndefined();
    expect(taken).toBe(obj);
    expect(Object.isFrozen(obj) && Object.isFrozen(obj.metadata)).toBe(true);
    expect(obj.metadata.resourceVersion).toBe('5');
    expect(jsonOf(obj)).toBe(JSON.stringify(obj));
    // Taken once; after the write nothing is held.
    expect(h.take(entry('/k/a', enc.text, 5))).toBeUndefined();
  });

  it('refuses an object JSON would not rebuild exactly (the caller parses the text instead)', async () => {
    const h = new WriteHandoff();
    const obj = { ...cm('b'), extra: undefined } as unknown as KubeObject;
    const enc = encodeObject(obj);
    let taken: KubeObject | undefined = cm('x');
    await h.around('/k/b', enc, obj, async () => {
      taken = h.take(entry('/k/b', enc.text, 9));
      return entry('/k/b', enc.text, 9);
    });
    expect(taken).toBeUndefined();
  });
});
