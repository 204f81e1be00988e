/**
 * How long synchronous SQLite calls held the event loop, by kind (better-sqlite3 is synchronous:
 * every statement runs on the loop). Keeps the last 4,096 samples of each kind, so `summary()`
 * describes recent load, plus the all-time maximum.
 */
export class HoldStats {
  private readonly kinds = new Map<string, { ring: Float64Array; n: number; max: number; total: number }>();

  record(kind: string, ms: number): void {
    let k = this.kinds.get(kind);
    if (!k) {
      k = { ring: new Float64Array(4096), n: 0, max: 0, total: 0 };
      this.kinds.set(kind, k);
    }
    k.ring[k.n % k.ring.length] = ms;
    k.n++;
    k.total += ms;
    if (ms > k.max) k.max = ms;
  }

  /** Times `fn` under `kind`. */
  time<T>(kind: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.record(kind, performance.now() - t0);
    }
  }

  summary(): Record<string, HoldSummary> {
    const out: Record<string, HoldSummary> = {};
    for (const [kind, k] of this.kinds) {
      const samples = Array.from(k.ring.subarray(0, Math.min(k.n, k.ring.length))).sort((a, b) => a - b);
      const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? 0;
      out[kind] = { count: k.n, p50: at(0.5), p99: at(0.99), max: k.max, totalMs: k.total };
    }
    return out;
  }
}

export interface HoldSummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  totalMs: number;
}
