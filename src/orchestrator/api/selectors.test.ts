import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { fieldValue, matchesFields, parseFieldSelector } from './selectors.js';
import type { KubeObject } from './types.js';

const pod = (name: string, node?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: node ? { nodeName: node } : {}, status: { phase: 'Running' } }) as KubeObject;

describe('field selectors', () => {
  it('parses =, == and != terms, and a term given again is one requirement', () => {
    expect(parseFieldSelector('metadata.name=a, spec.nodeName==n1,status.phase!=Failed')).toEqual([
      { key: 'metadata.name', op: '=', values: ['a'] },
      { key: 'spec.nodeName', op: '=', values: ['n1'] },
      { key: 'status.phase', op: '!=', values: ['Failed'] },
    ]);
    const many = Array.from({ length: 700 }, () => 'metadata.name!=x').join(',');
    expect(parseFieldSelector(many)).toEqual([{ key: 'metadata.name', op: '!=', values: ['x'] }]);
    expect(parseFieldSelector('metadata.name=a,metadata.name==a,metadata.name!=a')).toHaveLength(2);
    expect(parseFieldSelector('')).toEqual([]);
  });

  it('refuses a malformed term with a 400 naming it', () => {
    const err = (() => {
      try {
        parseFieldSelector('metadata.name=a,bad term');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).message).toContain('"bad term"');
  });

  it('matches nested fields, absent ones as empty, every term ANDed', () => {
    expect(fieldValue(pod('a', 'n1'), 'spec.nodeName')).toBe('n1');
    expect(fieldValue(pod('a'), 'spec.nodeName')).toBe('');
    expect(fieldValue(pod('a'), 'spec.nodeName.deeper')).toBe('');
    expect(matchesFields(parseFieldSelector('spec.nodeName=n1,metadata.name!=b'), pod('a', 'n1'))).toBe(true);
    expect(matchesFields(parseFieldSelector('spec.nodeName=n1,metadata.name!=a'), pod('a', 'n1'))).toBe(false);
    expect(matchesFields(parseFieldSelector('spec.nodeName='), pod('a'))).toBe(true);
    expect(matchesFields(parseFieldSelector('spec.nodeName!='), pod('a', 'n1'))).toBe(true);
  });
});
