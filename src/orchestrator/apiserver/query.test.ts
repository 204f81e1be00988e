import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { parseDeleteOptions } from './deleteOptions.js';
import { parseGoInt, queryBool, queryInt, queryOptionalBool, validateWriteQuery } from './query.js';

const q = (s: string) => new URLSearchParams(s);

function refusal(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('query parameters as apimachinery converts them', () => {
  // runtime.Convert_Slice_string_To_bool: only absence, "0" and "false" (any case) are false.
  it.each([
    ['', false],
    ['watch', true],
    ['watch=', true],
    ['watch=true', true],
    ['watch=True', true],
    ['watch=1', true],
    ['watch=t', true],
    ['watch=yes', true],
    ['watch=0', false],
    ['watch=false', false],
    ['watch=FALSE', false],
    ['watch=fAlSe', false],
    ['watch=f', true],
    ['watch=false&watch=true', false],
    ['watch=true&watch=false', true],
  ])('bool %j -> %s', (query, want) => {
    expect(queryBool(q(query), 'watch')).toBe(want);
  });

  it('a *bool is undefined when absent', () => {
    expect(queryOptionalBool(q(''), 'force')).toBeUndefined();
    expect(queryOptionalBool(q('force=0'), 'force')).toBe(false);
  });

  it.each([
    ['30', 30],
    ['+30', 30],
    ['-1', -1],
    ['007', 7],
    ['9007199254740991', 9007199254740991],
  ])('int64 %j -> %d', (v, n) => {
    expect(parseGoInt(v)).toBe(n);
  });

  it.each([
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['1e3', 'strconv.ParseInt: parsing "1e3": invalid syntax'],
    [' 1', 'strconv.ParseInt: parsing " 1": invalid syntax'],
    ['0x10', 'strconv.ParseInt: parsing "0x10": invalid syntax'],
    ['9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
  ])('int64 %j is a 400: %s', (v, msg) => {
    const e = refusal(() => parseGoInt(v));
    expect(e.code).toBe(400);
    expect(e.message).toBe(msg);
  });

  it('the first of repeated integers counts', () => {
    expect(queryInt(q('timeoutSeconds=5&timeoutSeconds=x'), 'timeoutSeconds')).toBe(5);
    expect(queryInt(q(''), 'timeoutSeconds')).toBeUndefined();
  });

  it('validates dryRun, fieldValidation and fieldManager as ValidateCreateOptions does (422)', () => {
    expect(() => validateWriteQuery(q('dryRun=All&fieldValidation=Strict&fieldManager=kubectl'), 'CreateOptions')).not.toThrow();
    const dry = refusal(() => validateWriteQuery(q('dryRun=Some'), 'CreateOptions'));
    expect(dry.code).toBe(422);
    expect(dry.message).toBe('CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported values: "All"');
    expect(refusal(() => validateWriteQuery(q('fieldValidation=Loose'), 'PatchOptions')).details?.causes?.[0]?.field).toBe('fieldValidation');
    expect(refusal(() => validateWriteQuery(q(`fieldManager=${'m'.repeat(129)}`), 'UpdateOptions')).code).toBe(422);
    expect(refusal(() => validateWriteQuery(q('fieldManager=a%00b'), 'UpdateOptions')).code).toBe(422);
  });
});

describe('DeleteOptions', () => {
  it('reads the body, then the query, which wins', () => {
    expect(parseDeleteOptions({ propagationPolicy: 'Foreground', gracePeriodSeconds: 5, preconditions: { uid: 'u' } }, q(''))).toEqual({
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 5,
      preconditions: { uid: 'u' },
    });
    expect(parseDeleteOptions({ propagationPolicy: 'Foreground' }, q('propagationPolicy=Orphan&gracePeriodSeconds=0'))).toEqual({ propagationPolicy: 'Orphan', gracePeriodSeconds: 0 });
    expect(parseDeleteOptions({ orphanDependents: true }, q(''))).toEqual({ propagationPolicy: 'Orphan' });
    expect(parseDeleteOptions({ dryRun: ['All'] }, q(''))).toEqual({ dryRun: true });
    expect(parseDeleteOptions(undefined, q('dryRun=All'))).toEqual({ dryRun: true });
  });

  it('a negative grace period means 1 s', () => {
    expect(parseDeleteOptions({ gracePeriodSeconds: -5 }, q(''))).toEqual({ gracePeriodSeconds: 1 });
    expect(parseDeleteOptions(undefined, q('gracePeriodSeconds=-1'))).toEqual({ gracePeriodSeconds: 1 });
  });

  it.each([
    [[], 400],
    ['x', 400],
    [{ gracePeriodSeconds: 1.5 }, 400],
    [{ gracePeriodSeconds: 1e308 }, 400],
    [{ gracePeriodSeconds: '5' }, 400],
    [{ propagationPolicy: 5 }, 400],
    [{ propagationPolicy: 'Sideways' }, 422],
    [{ propagationPolicy: 'Orphan', orphanDependents: true }, 422],
    [{ preconditions: 'x' }, 400],
    [{ preconditions: { uid: 5 } }, 400],
    [{ dryRun: 'All' }, 400],
    [{ dryRun: ['Some'] }, 422],
  ])('refuses %j with %d', (body, code) => {
    expect(refusal(() => parseDeleteOptions(body, q(''))).code).toBe(code);
  });

  it('refuses a bad policy or grace period in the query', () => {
    expect(refusal(() => parseDeleteOptions(undefined, q('propagationPolicy=x'))).code).toBe(422);
    expect(refusal(() => parseDeleteOptions(undefined, q('gracePeriodSeconds=soon'))).code).toBe(400);
  });
});
