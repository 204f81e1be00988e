import { controllerRef } from '../../api/podutil.js';
import { MAX_NODE_SCORE, type Plugin } from '../framework.js';

const KEY = 'SelectorSpread';

/**
 * Spreads a workload: the fewer pods of the same controller (same controller ownerReference uid) a
 * node already has, the higher it scores (kube-scheduler's SelectorSpread). Weighted above resource
 * scoring so replicas land on different nodes first.
 */
export const selectorSpread: Plugin = {
  name: 'SelectorSpread',
  weight: 2,
  preScore(state, pod, nodes) {
    const uid = controllerRef(pod)?.uid;
    const max = uid ? Math.max(0, ...nodes.map((n) => n.ownerCounts.get(uid) ?? 0)) : 0;
    state.write(KEY, { uid, max });
  },
  score(state, _pod, node) {
    const s = state.read<{ uid?: string; max: number }>(KEY);
    if (!s?.uid || s.max === 0) return MAX_NODE_SCORE;
    const count = node.ownerCounts.get(s.uid) ?? 0;
    return ((s.max - count) * MAX_NODE_SCORE) / s.max;
  },
};
