/**
 * Lets the event loop turn during one long piece of request work (a write of a 40,000-key
 * ConfigMap walks it several times: schema, defaults, validation, managed fields, encoding).
 * `await pace()` between stages yields (`setImmediate`: pending I/O of other requests runs first)
 * once the work has run for `budgetMs` since it last yielded; work that stays under budget never
 * yields, so small requests pay nothing. A stage longer than the budget still runs whole.
 */
export type Pace = () => Promise<void>;

export function pacer(budgetMs = 15): Pace {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}
