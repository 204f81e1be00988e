import { NODES_GROUP } from '../authz/node.js';
import type { RequestContext } from '../requestContext.js';

/**
 * Priority levels, after kube-apiserver's default API Priority and Fairness configuration: each has
 * its own seats and queues, so a flood at one level never takes another's seats.
 * - `system`: nodes' agents (heartbeats, pod status, their pods' watches).
 * - `workload-high`: people (the admin's kubectl, the UI), and the scheduler (as kube-scheduler's
 *   FlowSchema upstream; its bindings in flight are bounded).
 * - `workload-low`: the controllers inside the control plane, and service accounts:
 *   bulk writes (20,000 pods) that must never starve the others.
 * - `catch-all`: anyone else.
 * Health checks and version (`/healthz`, `/livez`, `/readyz`, `/version`) are exempt: they are
 * answered before any of this.
 */
export type PriorityLevel = 'system' | 'workload-high' | 'workload-low' | 'catch-all';

export const PRIORITY_LEVELS: readonly PriorityLevel[] = ['system', 'workload-high', 'workload-low', 'catch-all'];

/** How one priority level admits requests. */
export interface LevelConfig {
  /** Requests of this level executing at once; more wait in its queues. */
  seats: number;
  /** Requests from clients waiting beyond this many are refused at once with 429 (in-process ones always wait). */
  queueLimit: number;
  /** Longest a client's request waits in a queue before a 429 (in-process ones always wait). */
  maxWaitMs: number;
  /**
   * Most requests admitted per turn of the event loop. In-process callers issue requests from
   * promise chains that never return to the event loop by themselves: this bound is what makes
   * them yield, so sockets (health checks, agents, the UI) are read between their batches.
   */
  perTurn: number;
  /**
   * How long a turn's admitted work may take. With a finite budget the per-turn count adapts
   * (halved after a turn that took longer, grown by a quarter after one that used its count within
   * the budget, between 1 and `perTurn`): a store whose writes wait on fsync gets one write per
   * turn, a fast one gets many.
   */
  turnBudgetMs: number;
}

export const DEFAULT_LEVELS: Readonly<Record<PriorityLevel, LevelConfig>> = {
  system: { seats: 40, queueLimit: 1000, maxWaitMs: 30_000, perTurn: Infinity, turnBudgetMs: Infinity },
  'workload-high': { seats: 40, queueLimit: 1000, maxWaitMs: 30_000, perTurn: Infinity, turnBudgetMs: Infinity },
  'workload-low': { seats: 20, queueLimit: 1000, maxWaitMs: 30_000, perTurn: 64, turnBudgetMs: 10 },
  'catch-all': { seats: 10, queueLimit: 100, maxWaitMs: 15_000, perTurn: Infinity, turnBudgetMs: Infinity },
};

/** A request's level and flow (the unit fair queuing is fair between: a user, a controller). */
export interface FlowRequest {
  level: PriorityLevel;
  flow: string;
  /** Issued inside the process (LocalClient): never refused, only delayed. */
  inProcess?: boolean;
}

/** Which level and flow an authenticated request from a client belongs to (kube's flow schemas, in small). */
export function classify(user: RequestContext): FlowRequest {
  if (user.groups.includes(NODES_GROUP) || user.user.startsWith('system:node:')) return { level: 'system', flow: user.user };
  if (user.groups.includes('system:masters')) return { level: 'workload-high', flow: user.user };
  if (user.groups.includes('system:serviceaccounts') || user.user.startsWith('system:serviceaccount:')) return { level: 'workload-low', flow: user.user };
  return { level: 'catch-all', flow: user.user };
}
