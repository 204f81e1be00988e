import { describe, expect, it } from 'vitest';
import { expand, lookupIn } from './expansion.js';

// Cases from Kubernetes' third_party/forked/golang/expansion/expand_test.go.
const vars = new Map([
  ['VAR_A', 'A'],
  ['VAR_B', 'B'],
  ['VAR_C', 'C'],
  ['VAR_REF', '$(VAR_A)'],
  ['VAR_EMPTY', ''],
]);

describe('expand ($(VAR) as Kubernetes expands it)', () => {
  it.each([
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-1', 'A-1'],
    ['$(VAR_A)_$(VAR_B)_$(VAR_C)', 'A_B_C'],
    ['$(VAR_REF)', '$(VAR_A)'],
    ['$(VAR_EMPTY)', ''],
    ['f000-$$VAR_A', 'f000-$VAR_A'],
    ['foo\\$(VAR_C)bar', 'foo\\Cbar'],
    ['foo\\\\$(VAR_C)bar', 'foo\\\\Cbar'],
    ['$$(VAR_A)', '$(VAR_A)'],
    ['$$$(VAR_A)', '$A'],
    ['$$$$(VAR_A)', '$$(VAR_A)'],
    ['$(VAR_DNE)', '$(VAR_DNE)'],
    ['$(VAR_A)$(VAR_A)', 'AA'],
    ['$(', '$('],
    ['$()', '$()'],
    ['$', '$'],
    ['$(VAR_A', '$(VAR_A'],
    ['$VAR_A', '$VAR_A'],
    ['$$', '$'],
    ['x$', 'x$'],
    ['$(VAR_A)$', 'A$'],
    ['\n$(VAR_A)\n', '\nA\n'],
    ['$(VAR_A)$(VAR_DNE)$(VAR_B)', 'A$(VAR_DNE)B'],
    ['no refs', 'no refs'],
  ])('%j -> %j', (input, want) => {
    expect(expand(input, lookupIn(vars))).toBe(want);
  });

  it('looks in several maps, first match wins', () => {
    expect(expand('$(X)/$(Y)', lookupIn(new Map([['X', '1']]), new Map([['X', '2'], ['Y', '3']])))).toBe('1/3');
  });
});
