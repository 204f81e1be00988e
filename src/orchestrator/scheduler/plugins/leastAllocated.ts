import type { PodRequests } from '../cache.js';
import { MAX_NODE_SCORE, type Plugin } from '../framework.js';

/**
 * Prefers nodes with more room left after placing the pod: the mean over CPU and memory of
 * free/allocatable (kube-scheduler's NodeResourcesFit LeastAllocated strategy), with pods that
 * request nothing counted at the default 100m / 200Mi so empty pods still spread.
 */
export const leastAllocated: Plugin = {
  name: 'NodeResourcesLeastAllocated',
  weight: 1,
  score(state, _pod, node) {
    const req = state.read<PodRequests>('NodeResourcesFit');
    // Runs per node per cycle: no array or closure for its two terms.
    let sum = 0;
    let parts = 0;
    const cpu = node.allocatable.milliCPU;
    if (cpu !== undefined && cpu > 0) {
      sum += free(cpu, node.nonZeroRequested.milliCPU + (req?.nonZero.milliCPU ?? 0));
      parts++;
    }
    const memory = node.allocatable.memory;
    if (memory !== undefined && memory > 0) {
      sum += free(memory, node.nonZeroRequested.memory + (req?.nonZero.memory ?? 0));
      parts++;
    }
    return parts === 0 ? MAX_NODE_SCORE / 2 : sum / parts;
  },
};

/** The share of `alloc` left after `total`, scaled to 0..MAX_NODE_SCORE. */
function free(alloc: number, total: number): number {
  return total > alloc ? 0 : ((alloc - total) * MAX_NODE_SCORE) / alloc;
}
