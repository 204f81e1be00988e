import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { raw, sh, shQuote } from './quote.js';

/** What a real POSIX shell makes of the quoted text: the only test of quoting that counts. */
function shellEcho(command: string): string {
  return execFileSync('sh', ['-c', command], { encoding: 'utf8' });
}

describe('shQuote', () => {
  it.each([
    ['plain', `'plain'`],
    ['', `''`],
    [`it's`, `'it'\\''s'`],
    ['a b', `'a b'`],
  ])('quotes %j as %s', (input, quoted) => {
    expect(shQuote(input)).toBe(quoted);
  });

  it.each([
    `'; rm -rf / #`,
    '$(touch /tmp/pwned-skiff)',
    '`id`',
    'a\nb',
    `"double" and 'single' and \\back\\slash`,
    '${HOME} $HOME * ? [a] ~ & | ; < > ( ) { }',
    ' leading and trailing ',
    '-n',
    'ünïcødé ✓',
  ])('a real shell gets back exactly %j', (value) => {
    expect(shellEcho(`printf '%s' ${shQuote(value)}`)).toBe(value);
  });

  it('rejects NUL, which no shell argument can carry', () => {
    expect(() => shQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('sh', () => {
  it('quotes values and keeps fixed words', () => {
    expect(sh`docker rm -f ${['abc', `x'y`]}`).toBe(`docker rm -f 'abc' 'x'\\''y'`);
    expect(sh`kill ${1234}`).toBe('kill 1234');
    expect(sh`cd ${'/a b'} && ${raw(sh`ls ${'-la'}`)}`).toBe(`cd '/a b' && ls '-la'`);
  });

  it('refuses non-finite numbers', () => {
    expect(() => sh`sleep ${Number.NaN}`).toThrow(/finite/);
  });

  it('round-trips every value through a real shell', () => {
    const values = [`it's`, '$(id)', 'two words', ''];
    const out = shellEcho(sh`printf '[%s]' ${values}`);
    expect(out).toBe(values.map((v) => `[${v}]`).join(''));
  });
});
