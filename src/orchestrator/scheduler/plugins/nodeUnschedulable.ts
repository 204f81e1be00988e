import { FITS, type Plugin } from '../framework.js';
import { findToleration, TAINT_UNSCHEDULABLE } from '../../api/taints.js';

/** Cordoned nodes (`spec.unschedulable`) take no new pods, unless the pod tolerates the unschedulable taint. */
export const nodeUnschedulable: Plugin = {
  name: 'NodeUnschedulable',
  filter(_state, pod, node) {
    if (!node.node.spec?.unschedulable) return FITS;
    if (findToleration(pod, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' })) return FITS;
    return ['node(s) were unschedulable'];
  },
};
