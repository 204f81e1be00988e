import { admitNode } from '../authz/nodeRestriction.js';
import type { Strategy } from './types.js';

/** Nodes: a node's credential writes only its own Node, labels a kubelet may set, no taint changes (NodeRestriction). */
export const nodeStrategy: Strategy = {
  admit: (obj, current, req) => admitNode(req, obj, current),
};
