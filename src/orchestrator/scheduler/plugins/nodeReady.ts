import type { Plugin } from '../framework.js';
import { findToleration, TAINT_NOT_READY, TAINT_UNREACHABLE } from '../../api/taints.js';

/**
 * Only nodes whose `Ready` condition is True take new pods. A pod that tolerates the taint Kubernetes
 * puts on such nodes (`not-ready` / `unreachable`, NoExecute) may still go there, as DaemonSet pods do.
 */
export const nodeReady: Plugin = {
  name: 'NodeReady',
  filter(_state, pod, node) {
    const ready = node.node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') return [];
    const taint = ready?.status === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    if (findToleration(pod, { key: taint, effect: 'NoExecute' })) return [];
    return ['node(s) were not ready'];
  },
};
