import type { Deployment, Endpoints, Job, KubeEvent, KubeObject, Node, Pod, ReplicaSet, Service } from '../../orchestrator/api/types.js';
import type { Host } from '../api/hosts.js';

/** The kinds the UI watches: one watch each, cluster-wide. */
export const WATCHED_KINDS = ['nodes', 'pods', 'services', 'endpoints', 'deployments', 'replicasets', 'jobs', 'ingresses', 'hosts', 'events'] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

/**
 * Kinds that may hold an HTTP connection open when watches cannot go over WebSocket. Browsers give
 * an origin six connections: four streams leave two for logs and writes; the other kinds poll.
 */
export const PRIMARY_KINDS: ReadonlySet<WatchedKind> = new Set(['nodes', 'pods', 'services', 'hosts']);

/** How often a secondary kind is listed while it is polled: the canvas needs endpoints soonest. */
export const POLL_MS: Readonly<Record<WatchedKind, number>> = {
  nodes: 2000,
  pods: 2000,
  services: 2000,
  hosts: 2000,
  endpoints: 2000,
  events: 5000,
  // A Deployment's card says how its rollout stands.
  deployments: 5000,
  replicasets: 10_000,
  jobs: 10_000,
  // The ingress controller fills an Ingress's address in a moment after it is created.
  ingresses: 5000,
};

export interface KindObjects {
  nodes: Node;
  pods: Pod;
  services: Service;
  endpoints: Endpoints;
  deployments: Deployment;
  replicasets: ReplicaSet;
  /** For the CronJob above a Job (graph/owners.ts). */
  jobs: Job;
  /** Cards on the canvas with edges to their Services; read through graph/ingresses.ts. */
  ingresses: KubeObject;
  hosts: Host;
  events: KubeEvent;
}

/** Objects of one kind by `namespace/name` (or `name` when cluster-scoped). Replaced, never mutated. */
export type ObjectMap<T> = Readonly<Record<string, T>>;

export type ClusterObjects = { readonly [K in WatchedKind]: ObjectMap<KindObjects[K]> };

export function emptyCluster(): ClusterObjects {
  return { nodes: {}, pods: {}, services: {}, endpoints: {}, deployments: {}, replicasets: {}, jobs: {}, ingresses: {}, hosts: {}, events: {} };
}

export function perKind<T>(value: T): Record<WatchedKind, T> {
  return Object.fromEntries(WATCHED_KINDS.map((k) => [k, value])) as Record<WatchedKind, T>;
}
