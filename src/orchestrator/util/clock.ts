/**
 * Time, injected. Controllers, the scheduler and the agent never call `Date.now()` or `setTimeout`
 * directly, so tests drive them on a `FakeClock`, fast and deterministic.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
  /** Calls `fn` every `ms`; the returned function cancels it. */
  setInterval(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return () => clearTimeout(t);
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref?.();
    return () => clearInterval(t);
  },
};

/** ISO-8601 without milliseconds, as Kubernetes writes timestamps. */
export function isoTime(ms: number): string {
  // Every write stamps a few (managed fields, conditions, Events): format each second once.
  const sec = Math.floor(ms / 1000);
  if (sec !== lastSecond) {
    lastSecond = sec;
    lastIso = new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastIso;
}
let lastSecond = NaN;
let lastIso = '';

interface Timer {
  at: number;
  fn: () => void;
  every?: number;
  seq: number;
}

/** A clock for tests: time moves only when the test calls `advance`. */
export class FakeClock implements Clock {
  private t: number;
  private timers = new Set<Timer>();
  private seq = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), fn, seq: this.seq++ };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }
  setInterval(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.t + ms, fn, every: Math.max(1, ms), seq: this.seq++ };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }
  /** Moves time forward, firing due timers in order; awaits between them so promise chains run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const due = [...this.timers].filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      if (due.every) due.at += due.every;
      else this.timers.delete(due);
      due.fn();
    }
    this.t = end;
    await flush();
  }
  /**
   * The process is frozen for `ms` (SIGSTOP, a laptop asleep): time jumps without any timer firing,
   * then, as Node.js does on waking, every overdue timer fires once and intervals resume from now.
   */
  async freeze(ms: number): Promise<void> {
    await flush();
    this.t += ms;
    const overdue = [...this.timers].filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const x of overdue) {
      if (x.every) x.at = this.t + x.every;
      else this.timers.delete(x);
    }
    for (const x of overdue) {
      x.fn();
      await flush();
    }
  }
  pending(): number {
    return this.timers.size;
  }
}

/** Lets queued promise callbacks and immediates run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
