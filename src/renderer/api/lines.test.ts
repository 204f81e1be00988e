import { describe, expect, it } from 'vitest';
import { LineSplitter, readLines } from './lines.js';

describe('LineSplitter', () => {
  it('joins lines cut across chunks and strips CR', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.push('c\r\n\nd')).toEqual(['bc', '']);
    expect(s.flush()).toEqual(['d']);
    expect(s.flush()).toEqual([]);
  });
});

describe('readLines', () => {
  it('decodes multi-byte characters split between chunks', async () => {
    const bytes = new TextEncoder().encode('héllo\nwörld');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 2));
        c.enqueue(bytes.slice(2, 9));
        c.enqueue(bytes.slice(9));
        c.close();
      },
    });
    const got: string[] = [];
    await readLines(body, (l) => got.push(...l));
    expect(got).toEqual(['héllo', 'wörld']);
  });
});
