import type { KubeObject } from '../../api/types.js';
import { admitPod } from '../authz/nodeRestriction.js';
import type { Strategy } from './types.js';

/**
 * Pods: a DELETE of a pod that runs on a node is graceful: the pod is marked and stays while its
 * node's agent stops the containers (`spec.terminationGracePeriodSeconds`, default 30 s, or the
 * request's `gracePeriodSeconds`), then the agent deletes it with grace 0. Unbound or finished pods
 * have nothing to stop and go at once. A node's credential creates only mirror pods, and changes the
 * status of and deletes only pods bound to it (NodeRestriction).
 */
export const podStrategy: Strategy = {
  admit: (obj, current, req) => admitPod(req, current ? 'update' : 'create', obj, current),
  admitDelete: (obj, req) => admitPod(req, 'delete', obj, obj),
  deletion(obj: KubeObject, opts) {
    const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return { gracePeriodSeconds: 0 };
    return { gracePeriodSeconds: opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30 };
  },
};
