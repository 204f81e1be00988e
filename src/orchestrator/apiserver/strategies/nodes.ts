import { admitNode } from '../authz/nodeRestriction.js';
import type { Strategy } from './types.js';

/**
 * Nodes: a node's credential writes only its own Node, labels a kubelet may set, no taint changes
 * (NodeRestriction). A Node is created with the status its kubelet registers.
 */
export const nodeStrategy: Strategy = {
  keepsStatusOnCreate: true,
  admit: (obj, current, req) => admitNode(req, obj, current),
};
