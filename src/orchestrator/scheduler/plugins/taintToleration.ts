import type { Taint } from '../../api/types.js';
import { MAX_NODE_SCORE, type Plugin } from '../framework.js';
import { formatTaint, tolerationsOf, tolerates } from '../../api/taints.js';

/**
 * NoSchedule and NoExecute taints keep out pods that do not tolerate them (filter); nodes with fewer
 * untolerated PreferNoSchedule taints score higher (kube-scheduler's TaintToleration).
 */
export const taintToleration: Plugin = {
  name: 'TaintToleration',
  filter(_state, pod, node) {
    const tolerations = tolerationsOf(pod);
    const bad = (node.node.spec?.taints ?? []).find(
      (t: Taint) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((x) => tolerates(x, t)),
    );
    return bad ? [`node(s) had untolerated taint ${formatTaint(bad)}`] : [];
  },
  score(_state, pod, node) {
    const tolerations = tolerationsOf(pod);
    const n = (node.node.spec?.taints ?? []).filter((t) => t.effect === 'PreferNoSchedule' && !tolerations.some((x) => tolerates(x, t))).length;
    return Math.max(0, MAX_NODE_SCORE - n * 10);
  },
};
