import { InvalidSpec } from '../../client/runner.js';
import { podRequests, type PodRequests } from '../cache.js';
import type { Plugin } from '../framework.js';
import { QuantityError } from '../../api/quantity.js';

const KEY = 'NodeResourcesFit';

/**
 * The pod's requests must fit in what the node has left: allocatable minus the requests of the
 * non-terminal pods already bound to it (kube-scheduler's NodeResourcesFit). A node that does not
 * report a resource is not limited on it; the pod count is limited by `allocatable.pods` (110).
 */
export const nodeResourcesFit: Plugin = {
  name: 'NodeResourcesFit',
  preFilter(state, pod) {
    try {
      state.write(KEY, podRequests(pod));
    } catch (e) {
      if (e instanceof QuantityError) throw new InvalidSpec(`spec.containers[].resources.requests: Invalid value: ${e.message}`);
      throw e;
    }
  },
  filter(state, _pod, node) {
    const req = state.read<PodRequests>(KEY);
    const reasons: string[] = [];
    if (node.podCount + 1 > node.allocatable.pods) reasons.push('Too many pods');
    if (!req) return reasons;
    const a = node.allocatable;
    if (req.milliCPU > 0 && a.milliCPU !== undefined && req.milliCPU > a.milliCPU - node.requested.milliCPU) reasons.push('Insufficient cpu');
    if (req.memory > 0 && a.memory !== undefined && req.memory > a.memory - node.requested.memory) reasons.push('Insufficient memory');
    return reasons;
  },
};
