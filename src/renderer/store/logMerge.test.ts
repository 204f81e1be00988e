import { describe, expect, it } from 'vitest';
import { colourSlot, highlightParts, MergedLog, searchLines, splitTimestamp, StreamCursor, toDownloadText } from './logMerge.js';

describe('log merge', () => {
  it('normalizes timestamps so they sort as text', () => {
    expect(splitTimestamp('2026-12-02T09:13:09.5Z hello world')).toEqual({ ts: '2026-12-02T09:13:09.500000000Z', text: 'hello world' });
    expect(splitTimestamp('2026-12-02T09:13:09Z x')).toEqual({ ts: '2026-12-02T09:13:09.000000000Z', text: 'x' });
    expect(splitTimestamp('2026-12-02T10:13:09.123456789+01:00 y')).toEqual({ ts: '2026-12-02T09:13:09.123456789Z', text: 'y' });
    expect(splitTimestamp('2026-12-02T09:13:09.1Z ')).toEqual({ ts: '2026-12-02T09:13:09.100000000Z', text: '' });
    expect(splitTimestamp('no stamp')).toBeUndefined();
    expect('2026-12-02T09:13:09.500000000Z' < '2026-12-02T09:13:09.123456789Z').toBe(false);
  });

  it('interleaves streams by time, keeping arrival order for equal times', () => {
    const m = new MergedLog();
    m.add('a', 'c', '2026-01-01T00:00:01.000000000Z', 'a1');
    m.add('a', 'c', '2026-01-01T00:00:03.000000000Z', 'a3');
    m.add('b', 'c', '2026-01-01T00:00:02.000000000Z', 'b2');
    m.add('b', 'c', '2026-01-01T00:00:03.000000000Z', 'b3');
    m.add('b', 'c', '2026-01-01T00:00:00.500000000Z', 'b0');
    expect(m.lines.map((l) => l.text)).toEqual(['b0', 'a1', 'b2', 'a3', 'b3']);
  });

  it('keeps at most max lines, dropping the oldest', () => {
    const m = new MergedLog(3);
    for (let i = 0; i < 5; i++) m.add('a', 'c', `2026-01-01T00:00:0${i}.000000000Z`, `l${i}`);
    expect(m.lines.map((l) => l.text)).toEqual(['l2', 'l3', 'l4']);
    expect(m.dropped).toBe(2);
  });

  it('a reconnect from sinceTime repeats no line, even lines sharing the last timestamp', () => {
    const c = new StreamCursor();
    const t1 = '2026-01-01T00:00:01.000000000Z';
    const t2 = '2026-01-01T00:00:02.000000000Z';
    const first = [[t1, 'x'], [t2, 'same'], [t2, 'same'], [t2, 'other']].filter(([ts, text]) => c.accept(ts as string, text as string));
    expect(first.length).toBe(4);
    expect(c.sinceTime()).toBe(t2);
    c.reconnected();
    // The server resends everything from t2 on (inclusive), then a line at t2 we had not seen, then new ones.
    const again = [[t2, 'same'], [t2, 'other'], [t2, 'same'], [t2, 'same'], ['2026-01-01T00:00:03.000000000Z', 'new']].filter(([ts, text]) => c.accept(ts as string, text as string));
    expect(again.map(([, t]) => t)).toEqual(['same', 'new']);
    // A line older than where the stream is (a lagging replay) is never shown twice.
    expect(c.accept(t1, 'x')).toBe(false);
  });

  it('a restarted container (a new stream from sinceTime) continues after the last line', () => {
    const c = new StreamCursor();
    expect(c.accept('2026-01-01T00:00:05.000000000Z', 'before restart')).toBe(true);
    c.reconnected();
    expect(c.accept('2026-01-01T00:00:05.000000000Z', 'before restart')).toBe(false);
    expect(c.accept('2026-01-01T00:00:07.000000000Z', 'after restart')).toBe(true);
  });

  it('searches and highlights case-insensitively', () => {
    const m = new MergedLog();
    m.add('a', 'c', '2026-01-01T00:00:01.000000000Z', 'GET /health 200');
    m.add('a', 'c', '2026-01-01T00:00:02.000000000Z', 'error: boom');
    m.add('a', 'c', '2026-01-01T00:00:03.000000000Z', 'Error again, error');
    expect(searchLines(m.lines, 'error')).toEqual([1, 2]);
    expect(searchLines(m.lines, '')).toEqual([]);
    expect(highlightParts('Error again, error', 'error')).toEqual([
      { text: 'Error', match: true },
      { text: ' again, ', match: false },
      { text: 'error', match: true },
    ]);
    expect(highlightParts('abc', 'x')).toEqual([{ text: 'abc', match: false }]);
  });

  it('gives each pod a stable colour and downloads what is loaded', () => {
    expect(colourSlot('web-1')).toBe(colourSlot('web-1'));
    expect(new Set(['web-a', 'web-b', 'web-c', 'web-d'].map((p) => colourSlot(p))).size).toBeGreaterThan(1);
    const m = new MergedLog();
    m.add('p', 'c', '2026-01-01T00:00:01.000000000Z', 'hi');
    expect(toDownloadText(m.lines, true)).toBe('2026-01-01T00:00:01.000000000Z p/c hi\n');
    expect(toDownloadText(m.lines, false)).toBe('p/c hi\n');
  });
});
