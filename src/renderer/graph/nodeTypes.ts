import type { NodeTypes } from '@xyflow/react';
import { IngressNode } from './nodes/IngressNode.js';
import { NodeCard } from './nodes/NodeCard.js';
import { PodNode } from './nodes/PodNode.js';
import { ServiceNode } from './nodes/ServiceNode.js';
import { WorkloadCard } from './nodes/WorkloadCard.js';

/** Declared once at module level: a new object per render would remount every node. */
export const nodeTypes: NodeTypes = {
  nodeCard: NodeCard,
  workload: WorkloadCard,
  pod: PodNode,
  service: ServiceNode,
  ingress: IngressNode,
};
