import type { ForwardInfo } from '../api/portForwards.js';

/** The UI server's port-forwards, as last listed, and whether their panel is open. */
export interface PortForwardSlice {
  forwards: readonly ForwardInfo[];
  forwardsOpen: boolean;
  setForwards(f: readonly ForwardInfo[]): void;
  setForwardsOpen(open: boolean): void;
}

export function portForwardSlice(set: (p: Partial<PortForwardSlice>) => void, get: () => PortForwardSlice): PortForwardSlice {
  return {
    forwards: [],
    forwardsOpen: false,
    setForwards(f) {
      // Polled: keep the old array when nothing changed, so subscribers do not re-render.
      if (JSON.stringify(f) !== JSON.stringify(get().forwards)) set({ forwards: f });
    },
    setForwardsOpen: (forwardsOpen) => set({ forwardsOpen }),
  };
}
