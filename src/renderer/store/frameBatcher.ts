/** Schedules a flush; returns a cancel function. */
export type Scheduler = (run: () => void) => () => void;

/**
 * Next animation frame, with a timer as a fallback: browsers stop animation frames in hidden tabs,
 * and watch events must still be applied there (or memory grows until the tab is shown).
 */
export const frameScheduler: Scheduler = (run) => {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cancelAnimationFrame(raf);
    clearTimeout(timer);
    run();
  };
  const raf = requestAnimationFrame(once);
  const timer = setTimeout(once, 100);
  return () => {
    done = true;
    cancelAnimationFrame(raf);
    clearTimeout(timer);
  };
};

/**
 * Collects items and hands them over in one batch per frame, in arrival order. Bursts of watch
 * events (a Deployment of 500 replicas) become one store update and one render.
 */
export class FrameBatcher<T> {
  private items: T[] = [];
  private cancel: (() => void) | undefined;

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly schedule: Scheduler = frameScheduler,
  ) {}

  push(item: T): void {
    this.items.push(item);
    this.cancel ??= this.schedule(() => this.flushNow());
  }

  flushNow(): void {
    this.cancel?.();
    this.cancel = undefined;
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.flush(batch);
  }

  dispose(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.items = [];
  }
}
