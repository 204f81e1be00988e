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
    const parts: number[] = [];
    const one = (alloc: number | undefined, used: number, add: number) => {
      if (alloc === undefined || alloc <= 0) return;
      const total = used + add;
      parts.push(total > alloc ? 0 : ((alloc - total) * MAX_NODE_SCORE) / alloc);
    };
    one(node.allocatable.milliCPU, node.nonZeroRequested.milliCPU, req?.nonZero.milliCPU ?? 0);
    one(node.allocatable.memory, node.nonZeroRequested.memory, req?.nonZero.memory ?? 0);
    if (parts.length === 0) return MAX_NODE_SCORE / 2;
    return parts.reduce((a, b) => a + b, 0) / parts.length;
  },
};
