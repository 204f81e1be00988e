import { describe, expect, it } from 'vitest';
import { FakeClock, type Clock } from '../util/clock.js';
import { scheduleBookmarks } from './watchStream.js';

/** Node's timers may fire a millisecond before their time as `Date.now()` reads it: this one always does. */
function earlyClock(inner: FakeClock): Clock {
  return { now: () => inner.now(), setTimeout: (fn, ms) => inner.setTimeout(fn, Math.max(0, ms - 1)), setInterval: (fn, ms) => inner.setInterval(fn, ms) };
}

describe('scheduleBookmarks', () => {
  it('sends one a minute and one 2 s before the deadline, then none', async () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const start = clock.now();
    scheduleBookmarks(clock, start + 150_000, () => sent.push(clock.now() - start));
    await clock.advance(200_000);
    expect(sent).toEqual([60_000, 120_000, 148_000]);
  });

  it('a timer firing a millisecond early sends no second bookmark at the end', async () => {
    const inner = new FakeClock();
    const sent: number[] = [];
    const start = inner.now();
    scheduleBookmarks(earlyClock(inner), start + 3_000, () => sent.push(inner.now() - start));
    await inner.advance(10_000);
    expect(sent).toEqual([999]);
  });

  it('a watch shorter than 2 s gets none; the cancel stops the rest', async () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    scheduleBookmarks(clock, clock.now() + 1_500, () => sent.push(1));
    const cancel = scheduleBookmarks(clock, clock.now() + 200_000, () => sent.push(2));
    await clock.advance(61_000);
    cancel();
    await clock.advance(200_000);
    expect(sent).toEqual([2]);
  });
});
