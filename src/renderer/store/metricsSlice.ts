import { reuseUnchanged, type MetricsSample, type PodUsage, type Usage } from '../api/metrics.js';

/** `live`: the last poll answered; `unavailable`: the metrics API is not served (404/503). */
export type MetricsState = 'loading' | 'live' | 'unavailable' | 'error';

/**
 * The last sample of `metrics.k8s.io`, polled at its resolution (`metricsSync.ts`). Entries whose
 * numbers did not change keep their identity, so a poll re-renders only what moved. A node or pod
 * with no entry has no sample: views show it as absent, not as zero.
 */
export interface MetricsSlice {
  usage: {
    state: MetricsState;
    nodes: Readonly<Record<string, Usage>>;
    pods: Readonly<Record<string, PodUsage>>;
    windowMs?: number;
    error?: string;
  };
  setUsage(sample: MetricsSample): void;
  setUsageState(state: Exclude<MetricsState, 'live'>, error?: string): void;
}

export function metricsSlice(set: (p: Partial<MetricsSlice>) => void, get: () => MetricsSlice): MetricsSlice {
  return {
    usage: { state: 'loading', nodes: {}, pods: {} },
    setUsage: (sample) => {
      const prev = get().usage;
      set({
        usage: {
          state: 'live',
          nodes: reuseUnchanged(prev.nodes, sample.nodes),
          pods: reuseUnchanged(prev.pods, sample.pods),
          ...(sample.windowMs !== undefined ? { windowMs: sample.windowMs } : {}),
        },
      });
    },
    // Unavailable or failing: drop the numbers (stale usage shown as current would mislead).
    setUsageState: (state, error) => set({ usage: { state, nodes: {}, pods: {}, ...(error !== undefined ? { error } : {}) } }),
  };
}
