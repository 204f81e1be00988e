import type { Condition } from '../api/types.js';
import type { HostPhase, HostStep, StepState } from './types.js';

/**
 * Pure pieces of the host controller's planning: the step lists the UI shows, step and condition
 * transitions, and what to do with an agent.
 */

export interface StepDef {
  name: string;
  title: string;
  /** The Host's phase while this step runs. */
  phase: HostPhase;
}

export const PROVISION_STEPS: readonly StepDef[] = [
  { name: 'connect', title: 'Connect over SSH', phase: 'Connecting' },
  { name: 'hostKey', title: 'Verify the host key', phase: 'Connecting' },
  { name: 'detect', title: 'Check hostname, Docker, Node.js, iptables and ip', phase: 'Provisioning' },
  { name: 'upload', title: 'Upload the agent', phase: 'Provisioning' },
  { name: 'tunnel', title: 'Open the API tunnel', phase: 'Provisioning' },
  { name: 'agent', title: 'Start the agent', phase: 'Provisioning' },
  { name: 'node', title: 'Wait for the node to be Ready', phase: 'Provisioning' },
];

export const REMOVAL_STEPS: readonly StepDef[] = [
  { name: 'stopAgent', title: 'Stop the agent', phase: 'Removing' },
  { name: 'removeNetwork', title: "Remove the node's routes and packet-filter rules", phase: 'Removing' },
  { name: 'removeContainers', title: "Remove the node's containers", phase: 'Removing' },
  { name: 'deleteNode', title: 'Delete the node and its pods', phase: 'Removing' },
  { name: 'deleteToken', title: "Delete the node's token", phase: 'Removing' },
];

export function planSteps(defs: readonly StepDef[]): HostStep[] {
  return defs.map((d) => ({ name: d.name, title: d.title, state: 'pending' }));
}

/** A copy of `steps` with one step moved to `state`; times are stamped on start and finish. */
export function updateStep(steps: readonly HostStep[], name: string, state: StepState, now: string, message?: string): HostStep[] {
  if (!steps.some((s) => s.name === name)) throw new Error(`unknown step ${name}`);
  return steps.map((s) => {
    if (s.name !== name) return s;
    const next: HostStep = { name: s.name, title: s.title, state };
    if (message !== undefined) next.message = message;
    if (state === 'running') next.startedAt = now;
    else if (s.startedAt) next.startedAt = s.startedAt;
    if (state === 'done' || state === 'failed') {
      next.startedAt ??= now;
      next.finishedAt = now;
    }
    return next;
  });
}

/** Sets one condition; `lastTransitionTime` moves only when the status changes, as in Kubernetes. */
export function setCondition(conds: readonly Condition[] | undefined, type: string, status: Condition['status'], reason: string, message: string, now: string): Condition[] {
  const list = [...(conds ?? [])];
  const i = list.findIndex((c) => c.type === type);
  const old = i >= 0 ? list[i] : undefined;
  const c: Condition = { type, status, reason, message, lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now };
  if (i >= 0) list[i] = c;
  else list.push(c);
  return list;
}

export function conditionTrue(conds: readonly Condition[] | undefined, type: string): boolean {
  return conds?.some((c) => c.type === type && c.status === 'True') ?? false;
}

/**
 * What to do with the host's agent. A running agent with the same files is left alone: agents carry
 * on across control-plane restarts and reconnections, and their containers with them. New files (an
 * upgraded bundle, a new CA or token) need a restart; the agent adopts its containers when it starts.
 */
export function planAgentAction(a: { running: boolean; filesChanged: boolean }): 'keep' | 'start' | 'restart' {
  if (!a.running) return 'start';
  return a.filesChanged ? 'restart' : 'keep';
}

/** True when a Node's Ready condition is True with a heartbeat no older than `sinceMs` (second precision). */
export function nodeReadySince(conds: readonly Condition[] | undefined, sinceMs: number): boolean {
  const ready = conds?.find((c) => c.type === 'Ready');
  if (!ready || ready.status !== 'True') return false;
  const beat = Date.parse(ready.lastHeartbeatTime ?? ready.lastTransitionTime ?? '');
  // Kubernetes timestamps have whole seconds: compare at that precision.
  return Number.isFinite(beat) && beat >= Math.floor(sinceMs / 1000) * 1000;
}
