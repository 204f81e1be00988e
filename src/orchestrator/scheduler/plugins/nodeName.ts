import { SKIP, type Plugin } from '../framework.js';

/** A pod that names its node fits only there (kube-scheduler's NodeName). */
export const nodeName: Plugin = {
  name: 'NodeName',
  preFilter(_state, pod) {
    return pod.spec.nodeName ? undefined : SKIP;
  },
  filter(_state, pod, node) {
    const want = pod.spec.nodeName;
    return want && want !== node.name ? ["node(s) didn't match the requested node name"] : [];
  },
};
