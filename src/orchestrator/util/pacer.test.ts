import { readFile } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pacer, paceSteps, runSteps, type Steps } from './pacer.js';

/** Spins for `ms` of wall time: work that holds the event loop. */
function hold(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

describe('pacer', () => {
  it('never yields while the work stays under budget', async () => {
    const pace = pacer(10_000);
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    hold(3);
    await pace();
    expect(timerRan).toBe(false);
  });

  it('lets due timers and other I/O run at a yield, also when the work began in an I/O callback (the poll phase)', async () => {
    // A request's body arrives in an I/O callback. A single setImmediate set there runs in the same
    // turn's check phase, before any timer: the stall went on. Two land after the next turn's timers.
    const seen = await new Promise<boolean>((resolve, reject) => {
      readFile(__filename, () => {
        const pace = pacer(0);
        let timerRan = false;
        setTimeout(() => (timerRan = true), 1);
        hold(5);
        pace().then(() => resolve(timerRan), reject);
      });
    });
    expect(seen).toBe(true);
  });

  it('runs steps whole or paced, to the same result, pacing once per yield', async () => {
    function* steps(): Steps<number> {
      let sum = 0;
      for (let i = 1; i <= 5; i++) {
        sum += i;
        yield;
      }
      return sum;
    }
    expect(runSteps(steps())).toBe(15);
    let paced = 0;
    expect(
      await paceSteps(steps(), async () => {
        paced++;
      }),
    ).toBe(15);
    expect(paced).toBe(5);
  });
});
