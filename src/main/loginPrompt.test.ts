import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loginOnEnter } from './loginPrompt.js';

describe('another login URL on Enter', () => {
  const out = () => {
    const lines: string[] = [];
    return { lines, write: (s: string) => (lines.push(s), true) };
  };

  it('prints a fresh URL for each line entered on a terminal, and stops when disposed', () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const o = out();
    let n = 0;
    const stop = loginOnEnter(input, o, () => `http://127.0.0.1:6480/login?code=c${++n}`);
    input.write('\n');
    input.write('x');
    input.write('y\n\n');
    stop();
    input.write('\n');
    expect(o.lines).toEqual([
      '  (press Enter for another one-time login URL)\n',
      '  UI:         open http://127.0.0.1:6480/login?code=c1\n',
      '  UI:         open http://127.0.0.1:6480/login?code=c2\n',
      '  UI:         open http://127.0.0.1:6480/login?code=c3\n',
    ]);
  });

  it('does nothing when input is not a terminal (a service, a test harness)', () => {
    const input = new PassThrough();
    const o = out();
    loginOnEnter(input, o, () => 'never')();
    input.write('\n');
    expect(o.lines).toEqual([]);
  });
});
