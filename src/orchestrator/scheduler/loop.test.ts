import { describe, expect, it } from 'vitest';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { schedulingLoop, TURN_BUDGET_MS, type CycleResult } from './loop.js';

/** A loop whose attempts log their key, and each event-loop turn that comes between them. */
function setup(attempt: (key: string) => CycleResult) {
  const seen: string[] = [];
  const loop = schedulingLoop('test', async (key) => {
    seen.push(key);
    return attempt(key);
  }, { clock: new FakeClock(), log: silentLogger, ready: Promise.resolve(), priorityOf: () => 0 });
  /** Marks each turn of the event loop in `seen` until stopped. */
  let marking = true;
  const mark = () => {
    if (!marking) return;
    seen.push('|');
    setImmediate(mark);
  };
  return { loop, seen, startMarking: () => setImmediate(mark), stopMarking: () => (marking = false) };
}

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('schedulingLoop', () => {
  it('runs quick attempts back to back in one turn of the event loop, not one per turn', async () => {
    const t = setup(() => 'done');
    for (let i = 0; i < 200; i++) t.loop.enqueue(`p${i}`);
    t.startMarking();
    await t.loop.idle();
    t.stopMarking();
    t.loop.stop();
    expect(t.seen.filter((s) => s !== '|')).toHaveLength(200);
    // Attempts of microseconds each: many per turn. One per turn would put 199 turns between the
    // first and the last; a machine that stalls the process now and then adds a few, not a hundred.
    const turns = t.seen.slice(t.seen.indexOf('p0'), t.seen.indexOf('p199')).filter((s) => s === '|').length;
    expect(turns).toBeLessThan(50);
  });

  it('yields to the event loop once a turn has run attempts for its budget', async () => {
    // Each attempt alone outlasts the budget, so every one starts a turn of its own.
    const t = setup(() => {
      busy(TURN_BUDGET_MS + 1);
      return 'done';
    });
    for (let i = 0; i < 4; i++) t.loop.enqueue(`p${i}`);
    t.startMarking();
    await t.loop.idle();
    t.stopMarking();
    t.loop.stop();
    const between = t.seen.slice(t.seen.indexOf('p0'), t.seen.indexOf('p3') + 1);
    expect(between.filter((s) => s !== '|')).toEqual(['p0', 'p1', 'p2', 'p3']);
    // A turn marker between each two attempts: sockets and timers got their turn.
    for (let i = 1; i < between.length; i++) if (between[i] !== '|') expect(between[i - 1]).toBe('|');
  });
});
