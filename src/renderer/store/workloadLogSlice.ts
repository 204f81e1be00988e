import type { Workload } from '../graph/owners.js';

/** Which workload's logs the logs dock shows (one at a time), if any. */
export interface WorkloadLogSlice {
  logsFor: Workload | null;
  openWorkloadLogs(w: Workload): void;
  closeWorkloadLogs(): void;
}

export function workloadLogSlice(set: (p: Partial<WorkloadLogSlice>) => void): WorkloadLogSlice {
  return {
    logsFor: null,
    openWorkloadLogs: (logsFor) => set({ logsFor }),
    closeWorkloadLogs: () => set({ logsFor: null }),
  };
}
