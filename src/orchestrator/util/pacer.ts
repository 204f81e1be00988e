/**
 * Lets the event loop turn during one long piece of request work (a write of a 40,000-key
 * ConfigMap walks it several times: schema, defaults, validation, managed fields, encoding).
 * `await pace()` between stages yields once the work has run for `budgetMs` since it last yielded;
 * work that stays under budget never yields, so small requests pay nothing. A stage longer than the
 * budget still runs whole.
 *
 * A yield is two `setImmediate`s: work that began in an I/O callback (a request's body arriving)
 * runs in the loop's poll phase, and an immediate set there runs in the same turn's check phase,
 * before any timer or other I/O; the second one lands in the next turn, after its timers and poll.
 * With one, a request's first two stretches ran back to back (the 40,000-key ConfigMap held the
 * loop 65-80 ms although no stretch was over 30 ms).
 */
export type Pace = () => Promise<void>;

export function pacer(budgetMs = 15): Pace {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await nextTurn();
    since = performance.now();
  };
}

/** Resolves after the event loop has run at least one whole turn (its timers and its I/O), wherever it is called from: see above. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** Work in steps: a generator that yields wherever the event loop may turn. */
export type Steps<T> = Generator<void, T>;

/** Runs `steps` to the end at once, for callers that must stay synchronous. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/** Runs `steps`, awaiting `pace()` at each yield: the loop turns there once the work has run its budget. */
export async function paceSteps<T>(steps: Steps<T>, pace: Pace): Promise<T> {
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    await pace();
  }
}
