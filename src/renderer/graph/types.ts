import type { Edge, Node as FlowNode } from '@xyflow/react';
import type { NodeReadiness, PodTone } from './podStatus.js';

/** Pods per colour: how a card or a node says what its pods are doing without drawing each. */
export type PhaseCounts = Readonly<Record<PodTone, number>>;

/** A cluster Node, as a card in the band across the top: readiness, address, its pods' states. */
export type NodeCardData = {
  name: string;
  readiness: NodeReadiness;
  unschedulable: boolean;
  /** Pods name a node that does not exist (deleted, or not registered yet). */
  missing: boolean;
  podCount: number;
  phases: PhaseCounts;
  address?: string;
  /** What tells its name from the other nodes' (shortNames.ts), shown instead of it when zoomed far out. */
  short?: string;
};

/**
 * The pods of one controller (a Deployment, StatefulSet, DaemonSet, Job, a ReplicaSet of its own)
 * or the standalone pods of a namespace: one card, collapsible, with counts by state. Expanded, its
 * pods are child nodes laid out inside it.
 */
export type WorkloadData = {
  /** `Kind/namespace/name` (`Pod/<ns>/` for standalone pods). */
  key: string;
  kind: string;
  name: string;
  namespace: string;
  podCount: number;
  phases: PhaseCounts;
  collapsed: boolean;
  /** Nodes its pods run on (distinct), for the header. */
  nodeCount: number;
  /** Its pods' keys (`namespace/name`) joined by newlines: a string, so an unchanged card stays shallow-equal. */
  podKeys: string;
  /** Summed requests of its pods (cores, bytes); 0 where no pod sets one. */
  requestCpu: number;
  requestMemory: number;
  /** A Deployment's rollout while it is under way, paused or stuck (graph/rollout.ts): short text, kubectl's sentence, whether it is stuck. */
  rollout?: string;
  rolloutTitle?: string;
  rolloutStuck?: boolean;
};

export type PodData = {
  key: string;
  name: string;
  namespace: string;
  phase: string;
  tone: PodTone;
  status: string;
  ready: string;
  restarts: number;
  /** The node it is bound to, if any. */
  node?: string;
};

export type ServiceData = {
  key: string;
  name: string;
  namespace: string;
  type: string;
  clusterIP?: string;
  ports: string;
  /** Pods it selects (or its endpoints name), and how many of them are ready (receive its traffic). */
  podCount: number;
  readyCount: number;
  /** A Service without a selector (`kubernetes`, `kube-dns`, manual Endpoints): its ready endpoint addresses, pods or not. */
  endpointCount?: number;
  /** What tells its name from the other Services' (shortNames.ts), shown instead of it when zoomed far out. */
  short?: string;
};

/** An Ingress: where it answers and which Services it routes to (edges from it to them). */
export type IngressData = {
  key: string;
  name: string;
  namespace: string;
  /** Its rules' hosts, distinct, in order (`*` for a rule without one). */
  hosts: string[];
  /** Hosts its TLS section covers. */
  tlsHosts: string[];
  className?: string;
  /** `status.loadBalancer.ingress`: empty until the ingress controller has taken it. */
  addresses: string[];
  routes: number;
  /** Services it routes to that do not exist in its namespace: its requests to them fail. */
  missingServices: string[];
};

/** `count`: how many of the card's pods the service sends to (from an Ingress: how many of its routes go to the service). */
export type EdgeData = { ready: boolean; count: number };

export type NodeCardFlowNode = FlowNode<NodeCardData, 'nodeCard'>;
export type WorkloadFlowNode = FlowNode<WorkloadData, 'workload'>;
export type PodFlowNode = FlowNode<PodData, 'pod'>;
export type ServiceFlowNode = FlowNode<ServiceData, 'service'>;
export type IngressFlowNode = FlowNode<IngressData, 'ingress'>;
export type SkiffNode = NodeCardFlowNode | WorkloadFlowNode | PodFlowNode | ServiceFlowNode | IngressFlowNode;
export type SkiffEdge = Edge<EdgeData>;

export const groupId = (nodeName: string): string => `node:${nodeName}`;
export const workloadId = (key: string): string => `wl:${key}`;
export const podId = (key: string): string => `pod:${key}`;
export const serviceId = (key: string): string => `svc:${key}`;
export const ingressId = (key: string): string => `ing:${key}`;
