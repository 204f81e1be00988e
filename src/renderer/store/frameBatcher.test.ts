import { describe, expect, it } from 'vitest';
import { FrameBatcher, type Scheduler } from './frameBatcher.js';

describe('FrameBatcher', () => {
  it('delivers everything pushed before a frame as one ordered batch', () => {
    const pending: (() => void)[] = [];
    const schedule: Scheduler = (run) => {
      pending.push(run);
      return () => undefined;
    };
    const batches: number[][] = [];
    const b = new FrameBatcher<number>((items) => batches.push(items), schedule);
    b.push(1);
    b.push(2);
    b.push(3);
    expect(pending).toHaveLength(1);
    pending.shift()?.();
    b.push(4);
    pending.shift()?.();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });
});
