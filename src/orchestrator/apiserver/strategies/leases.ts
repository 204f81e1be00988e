import { admitLease } from '../authz/nodeRestriction.js';
import type { Strategy } from './types.js';

/** Leases: a node's credential writes only its own lease in kube-node-lease (NodeRestriction). */
export const leaseStrategy: Strategy = {
  admit: (obj, _current, req) => admitLease(req, obj),
};
