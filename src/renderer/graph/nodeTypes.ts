import type { NodeTypes } from '@xyflow/react';
import { NodeGroup } from './nodes/NodeGroup.js';
import { PodNode } from './nodes/PodNode.js';
import { ServiceNode } from './nodes/ServiceNode.js';

/** Declared once at module level: a new object per render would remount every node. */
export const nodeTypes: NodeTypes = {
  nodeGroup: NodeGroup,
  pod: PodNode,
  service: ServiceNode,
};
