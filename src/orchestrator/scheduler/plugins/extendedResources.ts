import { integerValue, QuantityError } from '../../api/quantity.js';
import { aggregateContainers, resourceMaps, type ContainerLike } from '../../api/podResources.js';
import type { Pod } from '../../api/types.js';
import { InvalidSpec } from '../../client/runner.js';
import { FITS, SKIP, type Plugin } from '../framework.js';

const KEY = 'ExtendedResources';
/** Resources NodeResourcesFit handles itself, or that are not node-allocatable counts. */
const NATIVE = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage', 'pods']);

/** Integer requests of extended resources (`nvidia.com/gpu`, `example.com/dongle`, `hugepages-2Mi`...), summed as api/podResources.ts does (sidecars beside the app containers). */
export function extendedRequests(pod: Pod): Map<string, number> {
  const extended = (c: ContainerLike) => {
    const m = new Map<string, number>();
    for (const [name, q] of Object.entries(c.resources?.requests ?? {})) if (!NATIVE.has(name)) m.set(name, integerValue(q));
    return m;
  };
  return new Map(aggregateContainers(pod.spec, extended, resourceMaps));
}

function safe(pod: Pod): Map<string, number> {
  try {
    return extendedRequests(pod);
  } catch {
    return new Map();
  }
}

/**
 * NodeResourcesFit for extended resources: a node offers what its `status.allocatable` lists (a
 * device plugin or an operator advertises them); a pod asking for one the node does not list, or
 * more than what is left after the node's pods, is rejected with `Insufficient <name>`.
 */
export const extendedResources: Plugin = {
  name: 'ExtendedResources',
  preFilter(state, pod) {
    try {
      const want = extendedRequests(pod);
      state.write(KEY, want);
      return [...want.values()].some((n) => n > 0) ? undefined : SKIP;
    } catch (e) {
      if (e instanceof QuantityError) throw new InvalidSpec(`spec.containers[].resources.requests: Invalid value: ${e.message}`);
      throw e;
    }
  },
  filter(state, _pod, node) {
    const want = state.read<Map<string, number>>(KEY);
    if (!want || want.size === 0) return FITS;
    const alloc = node.node.status?.allocatable ?? node.node.status?.capacity ?? {};
    const reasons: string[] = [];
    for (const [name, n] of want) {
      if (n === 0) continue;
      let total = 0;
      try {
        total = alloc[name] !== undefined ? integerValue(alloc[name]) : 0;
      } catch {
        total = 0;
      }
      const used = node.pods.reduce((a, p) => a + (safe(p).get(name) ?? 0), 0);
      if (n > total - used) reasons.push(`Insufficient ${name}`);
    }
    return reasons;
  },
};
