import { FITS, type Plugin } from '../framework.js';
import { findToleration, TAINT_NOT_READY, TAINT_UNREACHABLE } from '../../api/taints.js';

/**
 * Only nodes whose `Ready` condition is True take new pods. A pod that tolerates the taint Kubernetes
 * puts on such nodes (`not-ready` / `unreachable`, NoExecute) may still go there, as DaemonSet pods do.
 */
export const nodeReady: Plugin = {
  name: 'NodeReady',
  filter(_state, pod, node) {
    // Indexed: runs per node per cycle, and for-of allocated an iterator each time.
    let ready: { status?: string } | undefined;
    const conditions = node.node.status?.conditions ?? [];
    for (let i = 0; i < conditions.length; i++) if (conditions[i]?.type === 'Ready') ready = conditions[i];
    if (ready?.status === 'True') return FITS;
    const taint = ready?.status === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    if (findToleration(pod, { key: taint, effect: 'NoExecute' })) return FITS;
    return ['node(s) were not ready'];
  },
};
