import type { Edge, Node as FlowNode } from '@xyflow/react';
import type { NodeReadiness, PodTone } from './podStatus.js';

/** A cluster Node drawn as a box around its pods (or the box of pods no node holds yet). */
export type GroupData = {
  name: string;
  readiness: NodeReadiness | 'Unscheduled';
  unschedulable: boolean;
  /** Pods reference a node that no longer exists (deleted, or not registered yet). */
  missing: boolean;
  podCount: number;
  address?: string;
  /**
   * Compact mode (many pods, zoomed out): the group draws its pods itself as coloured tiles in the
   * same grid cells the pod nodes would take, instead of one flow node per pod.
   */
  tiles?: Tile[];
};

/** A pod drawn as a tile: the same data as its pod node. */
export type Tile = PodData;

export type PodData = {
  key: string;
  name: string;
  namespace: string;
  phase: string;
  tone: PodTone;
  status: string;
  ready: string;
  restarts: number;
};

export type ServiceData = {
  key: string;
  name: string;
  namespace: string;
  type: string;
  clusterIP?: string;
  ports: string;
  podCount: number;
};

/** `count` > 1 when a compact edge stands for several pods in one group. */
export type EdgeData = { ready: boolean; count: number };

export type GroupFlowNode = FlowNode<GroupData, 'nodeGroup'>;
export type PodFlowNode = FlowNode<PodData, 'pod'>;
export type ServiceFlowNode = FlowNode<ServiceData, 'service'>;
export type SkiffNode = GroupFlowNode | PodFlowNode | ServiceFlowNode;
export type SkiffEdge = Edge<EdgeData>;

export const UNSCHEDULED_ID = 'unscheduled';
export const groupId = (nodeName: string): string => `node:${nodeName}`;
export const podId = (key: string): string => `pod:${key}`;
export const serviceId = (key: string): string => `svc:${key}`;
