import { describe, expect, it } from 'vitest';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { WorkQueue } from './WorkQueue.js';

describe('WorkQueue', () => {
  it('yields: reconciles that never wait still let the event loop turn between them, `workers` per turn', async () => {
    let ran = 0;
    const q = new WorkQueue('test', async () => void ran++, new FakeClock(), silentLogger, 2);
    const seen: number[] = [];
    let stop = false;
    const poll = () => {
      seen.push(ran);
      if (!stop) setImmediate(poll);
    };
    setImmediate(poll);
    for (let i = 0; i < 1000; i++) q.add(`k${i}`);
    // Nothing runs inside `add`.
    expect(ran).toBe(0);
    await q.idle();
    stop = true;
    expect(ran).toBe(1000);
    const steps = seen.map((n, i) => n - (seen[i - 1] ?? 0));
    expect(Math.max(...steps)).toBeLessThanOrEqual(2);
    expect(seen.length).toBeGreaterThanOrEqual(500);
  });

  it('still deduplicates, never runs a key twice at once, and reruns a key added while it ran', async () => {
    const runs: string[] = [];
    let release!: () => void;
    let first = true;
    const q = new WorkQueue(
      'test',
      async (k) => {
        runs.push(k);
        if (first) {
          first = false;
          await new Promise<void>((r) => (release = r));
        }
      },
      new FakeClock(),
      silentLogger,
      2,
    );
    q.add('a');
    q.add('a');
    await new Promise((r) => setImmediate(r));
    q.add('a');
    q.add('b');
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual(['a', 'b']);
    release();
    await q.idle();
    expect(runs).toEqual(['a', 'b', 'a']);
  });
});
