import type { Taint } from '../../api/types.js';
import { FITS, MAX_NODE_SCORE, type Plugin } from '../framework.js';
import { formatTaint, tolerationsOf, tolerates } from '../../api/taints.js';

/**
 * NoSchedule and NoExecute taints keep out pods that do not tolerate them (filter); nodes with fewer
 * untolerated PreferNoSchedule taints score higher (kube-scheduler's TaintToleration).
 */
export const taintToleration: Plugin = {
  name: 'TaintToleration',
  filter(_state, pod, node) {
    // Most nodes have no taint: no list of the pod's tolerations for them.
    const taints = node.node.spec?.taints;
    if (!taints?.length) return FITS;
    const tolerations = tolerationsOf(pod);
    const bad = taints.find(
      (t: Taint) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((x) => tolerates(x, t)),
    );
    return bad ? [`node(s) had untolerated taint ${formatTaint(bad)}`] : [];
  },
  score(_state, pod, node) {
    const taints = node.node.spec?.taints;
    if (!taints?.length) return MAX_NODE_SCORE;
    const tolerations = tolerationsOf(pod);
    const n = taints.filter((t) => t.effect === 'PreferNoSchedule' && !tolerations.some((x) => tolerates(x, t))).length;
    return Math.max(0, MAX_NODE_SCORE - n * 10);
  },
};
