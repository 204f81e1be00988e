import { describe, expect, it } from 'vitest';
import { BadRequestTarget, decodePathSegment, parseRequestTarget } from './requestTarget.js';

describe('parseRequestTarget', () => {
  it.each([
    ['/api/v1/pods?watch=true', '/api/v1/pods', 'watch=true'],
    ['//', '//', ''],
    ['//x//y?a=1&a=2', '//x//y', 'a=1&a=2'],
    ['/api/v1/../v1/pods', '/api/v1/../v1/pods', ''],
    ['/x#frag', '/x', ''],
    ['http://evil.example/api/v1?x=1', '/api/v1', 'x=1'],
    ['https://h', '/', ''],
    ['http://h?q', '/', 'q='],
    [undefined, '/', ''],
    ['/%41%2f', '/%41%2f', ''],
  ])('%s', (raw, pathname, query) => {
    const t = parseRequestTarget(raw);
    expect(t.pathname).toBe(pathname);
    expect(t.query.toString()).toBe(query);
  });

  it.each(['*', 'api/v1', '/%', '/a/%E0%A4%A', '/%zz', '/x%4'])('refuses %s', (raw) => {
    expect(() => parseRequestTarget(raw)).toThrow(BadRequestTarget);
  });

  it('names the bad escape', () => {
    expect(() => parseRequestTarget('/api/v1/namespaces/default/configmaps/%E0%A4%A')).toThrow('invalid URL escape "%A"');
  });
});

describe('decodePathSegment', () => {
  it('decodes escapes', () => {
    expect(decodePathSegment('a%2Fb')).toBe('a/b');
    expect(decodePathSegment('plain')).toBe('plain');
    expect(decodePathSegment('%C3%A9')).toBe('é');
  });
  it.each(['%', '%E0%A4', '%ff', 'a%2'])('refuses %s', (s) => {
    expect(() => decodePathSegment(s)).toThrow(BadRequestTarget);
  });
});
