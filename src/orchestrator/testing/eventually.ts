/**
 * Polls `fn` until it returns something other than `undefined` or `false`, and returns that.
 * Errors thrown by `fn` count as "not yet" (the last one is named if time runs out). For tests on
 * real parts, which must wait on conditions rather than sleep: `ms` is a ceiling for a stuck
 * condition, not a timing the test depends on, so keep it generous for a loaded machine.
 */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000, everyMs = 200): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
